/**
 * The Apache PredictionIO version whose behaviour the native runtime reproduces. `pio version` prints
 * it because scripts compare it; engine templates are checked against it; the native runtime's own
 * version is reported by `pio status`.
 */
export const PREDICTIONIO_COMPAT_VERSION = '0.14.0';
