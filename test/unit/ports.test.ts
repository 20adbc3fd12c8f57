import fs from 'node:fs';
import net from 'node:net';
import { freePort, isPortInUse } from '../../src/dev/ports';

const ephemeralLow = (() => {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
})();

test('free ports come from below the ephemeral range, so no listen-on-0 (the dev server takes several) can take them by chance', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  for (const port of ports) {
    expect(port).toBeLessThan(ephemeralLow);
    expect(port).toBeGreaterThanOrEqual(10_000);
  }
  expect(new Set(ports).size).toBe(ports.length);
});

test('a port someone listens on is never handed out, and isPortInUse sees the listener', async () => {
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    expect(await isPortInUse(port)).toBe(true);
    const others = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(others).not.toContain(port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(await isPortInUse(port)).toBe(false);
});
