/**
 * Real-valued points kept as float32, row-major [count, dim]: samples of the
 * toy 1-D and 2-D distributions. `BatchIterator` batches them like images,
 * without any value scaling.
 */
export interface PointSet {
  name: string;
  /** float32 [count, dim], row-major. */
  points: Float32Array;
  count: number;
  dim: number;
  /** One class index per point (for mixtures: the component it was drawn from), or undefined. */
  labels?: Uint8Array;
  /** Class names by index, when labelled. */
  classNames?: readonly string[];
}

/** The points [start, end) of a set, sharing its storage (no copy). */
export function slicePoints(set: PointSet, start: number, end: number, name: string): PointSet {
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > set.count ||
    start >= end
  ) {
    throw new RangeError(
      `slice [${start}, ${end}) is outside the ${set.count} points of ${set.name}`,
    );
  }
  return {
    ...set,
    name,
    points: set.points.subarray(start * set.dim, end * set.dim),
    labels: set.labels?.subarray(start, end),
    count: end - start,
  };
}
