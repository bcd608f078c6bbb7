/**
 * Inbound capture as Istio 1.29-1.31 configures it. Sources (the same at istio/istio@1.29.6,
 * 1.30.3 and 1.31.0-rc.0):
 * - manifests/charts/istio-control/istio-discovery/files/injection-template.yaml: istio-init gets
 *   `-b "<includeInboundPorts or *>"` and `-d "15090,15021,<excludeInboundPort(statusPort, excludeInboundPorts)>"`;
 * - pkg/kube/inject/template.go excludeInboundPort: appends the status port (15020) unless listed;
 * - pkg/kube/inject/validate.go: ValidateIncludeInboundPorts (`*` or a port list),
 *   ValidateExcludeInboundPorts (a port list), the messages of validateAnnotations and parsePorts;
 * - tools/istio-iptables/pkg/capture/run.go handleInboundPortsInclude: with `-b *`, RETURN for each
 *   `-d` port, then redirect; with a `-b` list, redirect only those ports (`-d` unused); empty: nothing;
 * - cni/pkg/plugin/sidecar_redirect.go: the same annotations, defaults `*`, plus 15020,15021,15090 excluded.
 */
import { describe, expect, it } from 'vitest';
import { inboundCaptureArgs, inboundCaptureOf, inboundPortAnnotationErrors } from './inbound-capture.js';
import { injectSidecar, proxyImage } from './injection.js';

const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });
const withInit = (args: string[]) => ({ spec: { initContainers: [{ name: 'istio-init', args: ['istio-iptables', ...args] }] } });

describe('istio-init arguments from the annotations (injection-template.yaml, template.go excludeInboundPort)', () => {
  it.each([
    [{}, '*', '15090,15021,15020'],
    [{ 'traffic.sidecar.istio.io/excludeInboundPorts': '8079' }, '*', '15090,15021,8079,15020'],
    [{ 'traffic.sidecar.istio.io/excludeInboundPorts': '8079, 9000' }, '*', '15090,15021,8079,9000,15020'],
    [{ 'traffic.sidecar.istio.io/excludeInboundPorts': '15020,8079' }, '*', '15090,15021,15020,8079'],
    [{ 'traffic.sidecar.istio.io/includeInboundPorts': '8080' }, '8080', '15090,15021,15020'],
    [{ 'traffic.sidecar.istio.io/includeInboundPorts': '' }, '', '15090,15021,15020'],
    [{ 'status.sidecar.istio.io/port': '0' }, '*', '15090,15021'],
    [{ 'status.sidecar.istio.io/port': '15999', 'traffic.sidecar.istio.io/excludeInboundPorts': '8079' }, '*', '15090,15021,8079,15999'],
  ])('%j -> -b %j -d %j', (annotations, include, exclude) => {
    expect(inboundCaptureArgs(annotations)).toEqual({ include, exclude });
  });

  it('the injector renders them into istio-init', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '8079' } },
      spec: { containers: [{ name: 'app', image: 'meshspec/echo' }] },
    };
    const args: string[] = (injectSidecar(pod, { native: false, proxyImage: proxyImage('1.31.1') }) as any).spec.initContainers[0].args;
    expect(args.slice(args.indexOf('-b'), args.indexOf('-b') + 4)).toEqual(['-b', '*', '-d', '15090,15021,8079,15020']);
  });
});

describe('which inbound ports istio-iptables captures (capture/run.go handleInboundPortsInclude)', () => {
  it('with -b *: every port except the -d ports', () => {
    const captures = inboundCaptureOf(withInit(['-b', '*', '-d', '15090,15021,8079,15020']));
    expect([8080, 9090, 15006].map(captures)).toEqual([true, true, true]);
    expect([8079, 15020, 15021, 15090].map(captures)).toEqual([false, false, false, false]);
  });

  it('with a -b list: only those ports, whatever -d says', () => {
    const captures = inboundCaptureOf(withInit(['-b', '8080,9090', '-d', '8080']));
    expect([8080, 9090, 8079, 5000].map(captures)).toEqual([true, true, false, false]);
  });

  it('with an empty -b (or none): no port', () => {
    expect(inboundCaptureOf(withInit(['-b', '', '-d', '15090']))(8080)).toBe(false);
    expect(inboundCaptureOf(withInit(['-p', '15001']))(8080)).toBe(false);
  });

  it('reads the long flags and the = forms too', () => {
    const captures = inboundCaptureOf(withInit(['--istio-inbound-ports=*', '--istio-local-exclude-ports', '8079']));
    expect([8080, 8079].map(captures)).toEqual([true, false]);
    expect(inboundCaptureOf(withInit(['-b=8080']))(8080)).toBe(true);
  });

  it('the istio-init arguments decide, not the annotations they were rendered from', () => {
    const pod = { ...annotated({ 'traffic.sidecar.istio.io/excludeInboundPorts': '8079' }), ...withInit(['-b', '*', '-d', '15090,15021,15020']) };
    expect(inboundCaptureOf(pod)(8079)).toBe(true);
  });

  it('without istio-init (Istio CNI), from the annotations with the CNI defaults (sidecar_redirect.go)', () => {
    expect([8080, 15020, 15021, 15090].map(inboundCaptureOf({}))).toEqual([true, false, false, false]);
    expect(inboundCaptureOf(annotated({ 'traffic.sidecar.istio.io/excludeInboundPorts': '8079' }))(8079)).toBe(false);
    const listed = inboundCaptureOf(
      annotated({ 'traffic.sidecar.istio.io/includeInboundPorts': '9090', 'traffic.sidecar.istio.io/excludeInboundPorts': '9090' }),
    );
    expect([9090, 8080].map(listed)).toEqual([true, false]);
  });
});

describe('annotation validation (validate.go)', () => {
  it('accepts port lists, * for includeInboundPorts, and empty values', () => {
    expect(
      inboundPortAnnotationErrors({ 'traffic.sidecar.istio.io/excludeInboundPorts': '8079, 9000', 'traffic.sidecar.istio.io/includeInboundPorts': '*' }),
    ).toEqual([]);
    expect(inboundPortAnnotationErrors({ 'traffic.sidecar.istio.io/excludeInboundPorts': '', 'traffic.sidecar.istio.io/includeInboundPorts': '' })).toEqual([]);
    expect(inboundPortAnnotationErrors(undefined)).toEqual([]);
  });

  it('refuses * for excludeInboundPorts, a name, and a port above 65535, in Istio words', () => {
    expect(inboundPortAnnotationErrors({ 'traffic.sidecar.istio.io/excludeInboundPorts': '*' })).toEqual([
      `invalid value '*' for annotation 'traffic.sidecar.istio.io/excludeInboundPorts': excludeInboundPorts invalid: failed parsing port '*': failed parsing port '*': strconv.ParseUint: parsing "*": invalid syntax`,
    ]);
    expect(inboundPortAnnotationErrors({ 'traffic.sidecar.istio.io/includeInboundPorts': '8080,http' })).toEqual([
      `invalid value '8080,http' for annotation 'traffic.sidecar.istio.io/includeInboundPorts': includeInboundPorts invalid: failed parsing port 'http': failed parsing port 'http': strconv.ParseUint: parsing "http": invalid syntax`,
    ]);
    expect(inboundPortAnnotationErrors({ 'traffic.sidecar.istio.io/excludeInboundPorts': '70000' })[0]).toMatch(
      /strconv\.ParseUint: parsing "70000": value out of range$/,
    );
  });
});
