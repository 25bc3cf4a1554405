/** Captures what Powertools prints: EMF blobs are JSON lines on stdout. */
export function captureEmf(): { blobs: () => Record<string, unknown>[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    blobs: () =>
      lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.includes('"_aws"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spy.mockRestore(),
  };
}
