/**
 * ${VARIABLE} references in manifests and step fields: NAMESPACE (the scenario's namespace)
 * and whatever the provider reports (ClusterHandle.variables, e.g. EXTERNAL_HOST). An unknown
 * name is an error that names it, never silently left in place.
 */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function createSubstitute(variables: Record<string, string>): (text: string) => string {
  return (text) =>
    text.replace(REFERENCE, (_, name: string) => {
      const value = variables[name];
      if (value === undefined) {
        throw new Error(
          `unknown variable \${${name}}; this run defines ${Object.keys(variables)
            .sort()
            .map((v) => `\${${v}}`)
            .join(', ')}`,
        );
      }
      return value;
    });
}

/** `value` with every string in it (keys excepted) substituted: for patches, labels and commands. */
export function substituteDeep<T>(value: T, substitute: (text: string) => string): T {
  if (typeof value === 'string') return substitute(value) as T;
  if (Array.isArray(value)) return value.map((item) => substituteDeep(item, substitute)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, substitute)])) as T;
  }
  return value;
}
