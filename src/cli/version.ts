// The version printed by `immucore --version`. The compile script defines IMMUCORE_COMMIT.
declare const IMMUCORE_COMMIT: string | undefined;

const commit = typeof IMMUCORE_COMMIT === 'string' ? IMMUCORE_COMMIT : 'dev';

export const VERSION = `0.1.0 (${commit})`;
