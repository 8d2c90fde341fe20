/**
 * Scores of a classifier's predictions on generated images: the classifier
 * "inception score" (Salimans et al. 2016 with a data-specific classifier) and
 * class coverage.
 */

function rows(probabilities: ArrayLike<number>, classes: number): number {
  const n = probabilities.length / classes;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${probabilities.length} probabilities are not rows of ${classes}`);
  return n;
}

/**
 * exp(E_x KL(p(y|x) || p(y))), with p(y) the mean of p(y|x) over the set.
 * 1 when every image gets the same prediction; C when predictions are
 * confident and spread evenly over C classes. Higher is better, at most the
 * number of classes.
 *
 * @param probabilities row-major [n * classes], rows summing to 1
 */
export function inceptionScore(probabilities: ArrayLike<number>, classes = 10): number {
  const n = rows(probabilities, classes);
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < classes; c++) marginal[c]! += probabilities[i * classes + c]! / n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      const p = probabilities[i * classes + c]!;
      // 0 log 0 = 0; p > 0 implies marginal > 0.
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]!));
    }
  }
  return Math.exp(kl / n);
}

/** How the predicted classes of a set spread over the classes. */
export interface ClassCoverage {
  /** Classes predicted (arg-max) for at least `minShare` of the uniform share 1/C of the images. */
  covered: number;
  classes: number;
  /** The share of images predicted as each class, [classes], summing to 1. */
  histogram: number[];
  /** KL(histogram || uniform) in nats: 0 for a perfectly even spread, log C when all are one class. */
  klToUniform: number;
  /** The threshold used, as a fraction of the uniform share. */
  minShare: number;
}

/**
 * Class coverage of generated images: a class counts as covered when at
 * least `minShare` (default 0.1) of its uniform share, i.e. minShare / C of
 * the images, are predicted as that class. A GAN that dropped modes covers
 * fewer classes; the KL of the predicted-class histogram to uniform says how
 * uneven the rest is. Higher coverage and lower KL are better.
 *
 * @param probabilities row-major [n * classes]
 */
export function classCoverage(
  probabilities: ArrayLike<number>,
  classes = 10,
  minShare = 0.1,
): ClassCoverage {
  const n = rows(probabilities, classes);
  const counts = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (probabilities[i * classes + c]! > probabilities[i * classes + best]!) best = c;
    counts[best]!++;
  }
  const histogram = Array.from(counts, (k) => k / n);
  let klToUniform = 0;
  for (const h of histogram) if (h > 0) klToUniform += h * Math.log(h * classes);
  const covered = histogram.filter((h) => h >= minShare / classes).length;
  return { covered, classes, histogram, klToUniform, minShare };
}
