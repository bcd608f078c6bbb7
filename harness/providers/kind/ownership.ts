/** Docker containers meshspec creates carry this label; only those are ever removed. */
export const OWNED_LABEL_KEY = 'meshspec.dev/owned';
export const OWNED_LABEL = `${OWNED_LABEL_KEY}=true`;
