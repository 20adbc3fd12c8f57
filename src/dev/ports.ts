import fs from 'node:fs';
import net from 'node:net';

/**
 * Ports handed out below the kernel's ephemeral range. A port the OS picked for us
 * (listen on 0) and we let go can be picked again by the next listen-on-0 of anyone, and
 * the Temporal dev server takes several ports that way for its own services: a sandbox
 * told to use such a port then fails to start now and then. Below the range, nothing
 * picks by chance.
 */
const FALLBACK_RANGE: [number, number] = [20_000, 32_767];
const handedOut = new Set<number>();

function belowEphemeralRange(): [number, number] {
  try {
    const [ephemeralLow] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (ephemeralLow && ephemeralLow > 12_000) return [Math.max(10_000, ephemeralLow - 12_768), ephemeralLow - 1];
  } catch {
    // Not Linux: the usual range starts at 32768 (Linux) or 49152 (BSD, macOS, Windows).
  }
  return FALLBACK_RANGE;
}

/** A TCP port that was free a moment ago, never one this process handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [low, high] = belowEphemeralRange();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port) || !(await canListen(port, host))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free TCP port found on ${host} between ${low} and ${high}`);
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Whether something already listens on host:port. */
export async function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
