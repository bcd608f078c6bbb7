import { describe, expect, it } from 'vitest';
import { nameMatches, type ResourceType } from './discovery.js';
import { describeObject, parseObjectRef } from './refs.js';

const deployments: ResourceType = {
  apiVersion: 'apps/v1',
  group: 'apps',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  namespaced: true,
};
const istioGateway: ResourceType = {
  apiVersion: 'networking.istio.io/v1',
  group: 'networking.istio.io',
  kind: 'Gateway',
  plural: 'gateways',
  singular: 'gateway',
  shortNames: ['gw'],
  namespaced: true,
};

describe('object references', () => {
  it('splits KIND/NAME', () => {
    expect(parseObjectRef('deployment/backend')).toEqual({ type: 'deployment', name: 'backend' });
    expect(parseObjectRef('gateway.networking.istio.io/web')).toEqual({ type: 'gateway.networking.istio.io', name: 'web' });
  });

  it('explains the expected form', () => {
    expect(() => parseObjectRef('backend')).toThrow('"backend" is not an object reference: write KIND/NAME');
    expect(() => parseObjectRef('svc/Backend')).toThrow(/not an object reference/);
  });

  it('describes objects with their namespace when they have one', () => {
    expect(describeObject({ kind: 'Service', name: 'b', namespace: 'n' })).toBe('Service/b in namespace n');
    expect(describeObject({ kind: 'Namespace', name: 'n' })).toBe('Namespace/n');
  });
});

describe('type names as kubectl reads them', () => {
  it.each(['deployment', 'deployments', 'deploy', 'Deployment', 'deployments.apps', 'deployment.v1.apps'])('%s names deployments', (name) => {
    expect(nameMatches(name, deployments)).toBe(true);
  });

  it('respects a group qualifier', () => {
    expect(nameMatches('gateway.networking.istio.io', istioGateway)).toBe(true);
    expect(nameMatches('gateway.gateway.networking.k8s.io', istioGateway)).toBe(false);
    expect(nameMatches('deploy.extensions', deployments)).toBe(false);
  });

  it('does not match other types', () => {
    expect(nameMatches('svc', deployments)).toBe(false);
  });
});
