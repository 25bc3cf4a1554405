// Tests talk only to loopback: any socket aimed elsewhere fails the test loudly instead of
// silently reaching AWS or the internet.
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;
const originalConnect = net.Socket.prototype.connect;

function hostOf(args: unknown[]): string | undefined {
  const first = args[0];
  if (Array.isArray(first)) return hostOf(first);
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; path?: string };
    if (options.path) return 'localhost';
    return options.host ?? 'localhost';
  }
  if (typeof first === 'number') return typeof args[1] === 'string' ? args[1] : 'localhost';
  if (typeof first === 'string') return 'localhost'; // IPC path
  return undefined;
}

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = hostOf(args);
  if (host !== undefined && !LOOPBACK.test(host)) {
    throw new Error(`Test tried to open a connection to ${host}: tests may only reach loopback`);
  }
  // biome-ignore lint/suspicious/noExplicitAny: forwarding the overloaded original signature unchanged
  return (originalConnect as any).apply(this, args);
} as typeof net.Socket.prototype.connect;
