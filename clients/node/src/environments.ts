/** "prod" or "prod,fallback:staging" (docs/client-behaviour.md, section 2). */
export interface EnvironmentSpec {
  readonly primary: string;
  readonly fallback: string | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Throws a RangeError saying what is expected for anything else. */
export function parseEnvironment(text: string): EnvironmentSpec {
  if (typeof text !== "string") {
    throw new RangeError('environment is required, such as "prod" or "prod,fallback:staging"');
  }
  const parts = text.split(",");
  const primary = parts[0].trim();
  let fallback: string | null = null;
  if (parts.length === 2 && parts[1].trim().startsWith("fallback:")) {
    fallback = parts[1].trim().substring("fallback:".length);
  } else if (parts.length > 1) {
    throw new RangeError(`environment must be "ENV" or "ENV,fallback:OTHER", got '${text}'`);
  }
  if (!NAME.test(primary) || (fallback !== null && !NAME.test(fallback))) {
    throw new RangeError(`environment names are letters, digits and . _ -, got '${text}'`);
  }
  return { primary, fallback };
}
