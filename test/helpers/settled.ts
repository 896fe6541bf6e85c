/** A function that tells whether `promise` has settled yet, whichever way. */
export function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  const mark = () => (settled = true);
  promise.then(mark, mark);
  return () => settled;
}
