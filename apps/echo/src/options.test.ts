import { describe, expect, it } from 'vitest';
import { resolveOptions, UsageError } from './options.js';
import { parseDuration } from './duration.js';
import { CONTROL_PORT } from './protocol.js';

describe('echo options', () => {
  it('accepts Go-style flags as the workshop backend is started with them', () => {
    const options = resolveOptions(['-fail-percent=50', '-version=1.0.0', '-port=9090'], {});
    expect(options).toMatchObject({ failPercent: 50, version: '1.0.0', port: 9090, host: '0.0.0.0' });
  });

  it('accepts GNU-style flags with separate values', () => {
    const options = resolveOptions(['--fail-percent', '70', '--service', 'backend', '--upstream', 'http://backend:8080/'], {});
    expect(options).toMatchObject({ failPercent: 70, service: 'backend', upstream: 'http://backend:8080/' });
  });

  it('reads PORT, VERSION, SERVICE_NAME, POD_NAME, POD_NAMESPACE from the environment', () => {
    const options = resolveOptions([], { PORT: '7000', VERSION: 'v2', SERVICE_NAME: 'reviews', POD_NAME: 'reviews-1', POD_NAMESPACE: 'shop' });
    expect(options).toMatchObject({ port: 7000, version: 'v2', service: 'reviews', pod: 'reviews-1', namespace: 'shop' });
  });

  it('names the pod after HOSTNAME without POD_NAME (Kubernetes sets the hostname to the pod name), and reports namespace default without POD_NAMESPACE', () => {
    expect(resolveOptions([], { HOSTNAME: 'reviews-7d9f-x2' })).toMatchObject({ pod: 'reviews-7d9f-x2', namespace: 'default' });
    expect(resolveOptions([], { HOSTNAME: 'reviews-7d9f-x2', POD_NAME: 'reviews-1' }).pod).toBe('reviews-1');
  });

  it('serves its control endpoints on CONTROL_PORT in a container, and refuses the app that port', () => {
    expect(resolveOptions([], {})).toMatchObject({ port: 8080, controlPort: CONTROL_PORT });
    expect(() => resolveOptions(['--port', String(CONTROL_PORT)], {})).toThrow(
      `--port ${CONTROL_PORT} is the port of the control endpoints (forward call, request log); choose another port for the app`,
    );
  });

  it('listens on MESHSPEC_LISTEN_PORT on loopback when the embedded cluster sets it, with the control port chosen by the OS, and uses its proxy', () => {
    const options = resolveOptions(['--port', '8080'], { MESHSPEC_LISTEN_PORT: '41234', MESHSPEC_OUTBOUND_PROXY: 'http://127.0.0.1:5000' });
    expect(options).toMatchObject({ port: 41234, controlPort: 0, host: '127.0.0.1', outboundProxy: 'http://127.0.0.1:5000' });
  });

  it('rejects bad input naming the flag', () => {
    expect(() => resolveOptions(['--fail-percent', '150'], {})).toThrow(/--fail-percent must be an integer from 0 to 100 \(got "150"\)/);
    expect(() => resolveOptions(['--colour', 'red'], {})).toThrow(UsageError);
    expect(() => resolveOptions(['--port'], {})).toThrow(/--port needs a value/);
    expect(() => resolveOptions(['--upstream', 'backend:8080'], {})).toThrow(/--upstream must be an http/);
  });
});

describe('parseDuration', () => {
  it('reads Go durations in milliseconds', () => {
    expect(parseDuration('300ms')).toBe(300);
    expect(parseDuration('0.5s')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('0')).toBe(0);
  });
  it('refuses what is not a duration', () => {
    expect(parseDuration('3')).toBeUndefined();
    expect(parseDuration('fast')).toBeUndefined();
    expect(parseDuration('2s junk')).toBeUndefined();
  });
});
