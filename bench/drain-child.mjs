// One Lambda execution environment of the drain benchmark (bench/drain.ts forks one per unit of
// concurrency): it loads the real bundle, dist/lambda-bundle/forwarder, builds the handler once
// (a cold start), then runs one invocation at a time as the parent's event source sends them over
// IPC, answering each with the batch response and this process's CPU time so far.
//
// Production wiring throughout except two seams: the Entra ID credential (the emulator's token
// stands in for the SSM secret) and trust in the emulator's certificate. S3 is reached through
// AWS_ENDPOINT_URL_S3 and SQS through the queue URLs' own host (the parent's SQS endpoint, trusted
// through NODE_EXTRA_CA_CERTS), with the bundle's own SDK clients.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const config = JSON.parse(process.env.DRAIN_CHILD_CONFIG ?? '{}');
const bundle = require(config.bundle);

const credential = {
  getToken: async () => ({ token: config.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const handler = bundle.createHandler(
  bundle.createDependencies({ credential, clientOptions: { tlsOptions: { ca: config.ca } } }),
);

/** The context Lambda passes: the function's timeout counts from the invocation's start. */
function context(timeoutMs, requestId) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${config.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${config.functionName}`,
    logStreamName: `drain-${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

process.on('message', async (message) => {
  const started = Date.now();
  let response;
  let error;
  try {
    response = await handler(message.event, context(message.timeoutMs, message.id));
  } catch (err) {
    // An invocation error: Lambda returns the whole batch to the queue.
    error = String(err?.stack ?? err);
  }
  process.send({
    id: message.id,
    response,
    error,
    ms: Date.now() - started,
    cpuSeconds: cpuSeconds(),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  });
});

process.send({ ready: true, cpuSeconds: cpuSeconds() });
