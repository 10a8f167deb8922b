// Skewed samplers for synthetic data: a few users and items get most of the events, as in real logs.

/** A sampler of 0..n-1 with P(k) ∝ 1/(k+1)^s (inverse CDF by binary search). */
export function zipf(n, s, random) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cdf[k] = total += 1 / (k + 1) ** s;
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
