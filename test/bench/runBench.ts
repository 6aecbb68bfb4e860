/** Runs a bench's main: exits 0 when it is done (engines and servers may hold the event loop open), 1 with the stack on failure. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
