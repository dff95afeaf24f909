// Messages between the benchmark and the processes it forks, over Node's IPC channel.

/** The server process's counts since it started. */
export interface ServerCounters {
  /** Firestore document reads and writes made by the app's data layer (FirestoreOperationCounter). */
  firestoreReads: number;
  firestoreWrites: number;
  /** POST /login requests that ended in a redirect to the dashboard. */
  successfulLogins: number;
  /** GET /dashboard requests that ended with 200. */
  dashboardViews: number;
  /** Requests whose handling has not finished yet. */
  requestsInFlight: number;
}

export type BenchRequest = { kind: 'counters' } | { kind: 'stop' };

export type BenchReply = { kind: 'counters'; counters: ServerCounters };

/**
 * Stops this process when the benchmark sends "stop" or goes away. `stop` closes what the process
 * opened; a failure there still exits, with code 1.
 */
export function stopOnRequest(stop: () => Promise<void>): void {
  const exitAfterStop = () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping failed: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
      },
    );
  };

  process.on('message', (message: BenchRequest) => {
    if (message.kind === 'stop') {
      exitAfterStop();
    }
  });
  process.on('disconnect', exitAfterStop);
}
