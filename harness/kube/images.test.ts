import { describe, expect, it } from 'vitest';
import { repositoryOf, rewriteImage, rewriteImages } from './images.js';

const rewrites = { 'meshspec/echo': 'localhost:5001/meshspec/echo:abc123' };

describe('image rewriting', () => {
  it('finds the repository behind tags, digests and registry ports', () => {
    expect(repositoryOf('meshspec/echo')).toBe('meshspec/echo');
    expect(repositoryOf('meshspec/echo:dev')).toBe('meshspec/echo');
    expect(repositoryOf('localhost:5001/meshspec/echo:dev')).toBe('localhost:5001/meshspec/echo');
    expect(repositoryOf('docker.io/meshspec/echo@sha256:abc')).toBe('docker.io/meshspec/echo');
  });

  it('rewrites meshspec/echo with any tag or registry prefix, and nothing else', () => {
    expect(rewriteImage('meshspec/echo:v1', rewrites)).toBe(rewrites['meshspec/echo']);
    expect(rewriteImage('docker.io/meshspec/echo', rewrites)).toBe(rewrites['meshspec/echo']);
    expect(rewriteImage('meshspec/echo-client', rewrites)).toBe('meshspec/echo-client');
    expect(rewriteImage('othermeshspec/echo', rewrites)).toBe('othermeshspec/echo');
  });

  it('rewrites containers and init containers wherever the pod template is, without changing the input', () => {
    const cronJob = {
      kind: 'CronJob',
      metadata: { name: 'c', annotations: { image: 'meshspec/echo' } },
      spec: {
        jobTemplate: {
          spec: {
            template: {
              spec: {
                initContainers: [{ name: 'init', image: 'meshspec/echo:1' }],
                containers: [
                  { name: 'app', image: 'meshspec/echo:1', env: [{ name: 'image', value: 'meshspec/echo' }] },
                  { name: 'side', image: 'busybox' },
                ],
              },
            },
          },
        },
      },
    };
    const rewritten = rewriteImages(cronJob, rewrites);
    const pod = rewritten.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers[0]!.image).toBe(rewrites['meshspec/echo']);
    expect(pod.containers.map((c) => c.image)).toEqual([rewrites['meshspec/echo'], 'busybox']);
    expect(pod.containers[0]!.env?.[0]?.value).toBe('meshspec/echo');
    expect(rewritten.metadata.annotations.image).toBe('meshspec/echo');
    expect(cronJob.spec.jobTemplate.spec.template.spec.containers[0]!.image).toBe('meshspec/echo:1');
  });
});
