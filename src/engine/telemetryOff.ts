/**
 * onnxruntime-node 1.30's Linux build reports usage to Microsoft (1DS telemetry to
 * mobile.events.data.microsoft.com) some seconds after a session opens: the worker looked the
 * host up in test/e2e/offline.test.ts's connection trace. `ORT_DISABLE_TELEMETRY` is the
 * runtime's own switch, read from the process environment. It is set here, on the thread that
 * starts the decode thread (decodeThreadClient.ts imports this first): a worker thread's
 * `process.env` is a copy, and setting it there would not reach the runtime's getenv.
 */
process.env.ORT_DISABLE_TELEMETRY = '1';
