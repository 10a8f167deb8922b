// Names that both the implementations and the commands' help text use. They live apart from the
// implementations so that declaring the lifecycle commands (every `pio-deploy --help`) loads nothing else.

/** The queries file `pio-deploy init` writes and `pio-deploy smoke` reads by default. */
export const SMOKE_QUERIES_FILE = 'smoke-queries.jsonl';

/** Where `pio-deploy quickstart` creates its demo app unless --dir says otherwise. */
export const DEFAULT_QUICKSTART_DIR = 'pio-quickstart';
