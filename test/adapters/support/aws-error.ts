/**
 * Builds errors shaped like AWS SDK v3 service exceptions (name, $fault, $metadata), for
 * services whose error classes the SDK does not export (e.g. ECS throttling).
 */
export function awsError(
  name: string,
  message: string,
  httpStatusCode = 400,
): Error & { $fault: 'client' | 'server'; $metadata: { httpStatusCode: number } } {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? ('server' as const) : ('client' as const),
    $metadata: { httpStatusCode },
  });
}
