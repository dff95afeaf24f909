/**
 * Counts the Firestore document reads and writes made by our data layer, so that tests and
 * benchmarks can check what a page view or a login costs. One counter serves one app.
 */
export class FirestoreOperationCounter {
  reads = 0;
  writes = 0;

  countReads(documents = 1): void {
    this.reads += documents;
  }

  countWrites(documents = 1): void {
    this.writes += documents;
  }

  snapshot(): { reads: number; writes: number } {
    return { reads: this.reads, writes: this.writes };
  }
}
