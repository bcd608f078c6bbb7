/** What the sim does with a container image: which images it can run and how. */

type ImageRole = 'echo' | 'gateway' | 'pilot' | 'other';

/** The repository path of an image without registry host, tag or digest: `localhost:5001/meshspec/echo:dev` -> `meshspec/echo`. */
export function imageRepository(image: string): string {
  let rest = image.split('@')[0];
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) rest = rest.slice(slash + 1);
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  return colon > lastSlash ? rest.slice(0, colon) : rest;
}

export function imageRole(image: string): ImageRole {
  const repository = imageRepository(image);
  const last = repository.split('/').pop();
  if (repository === 'meshspec/echo' || repository.endsWith('/meshspec/echo')) return 'echo';
  if (last === 'proxyv2') return 'gateway';
  if (last === 'pilot') return 'pilot';
  return 'other';
}
