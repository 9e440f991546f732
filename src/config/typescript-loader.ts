let enabled = false;

/**
 * Lets `import()` load the project's TypeScript files (its project file, services, commands) from
 * the built CLI, by registering tsx's module hooks once. Running from source (under tsx or
 * vitest), TypeScript loads already.
 */
export async function enableTypeScript(): Promise<void> {
  if (enabled || import.meta.url.endsWith(".ts")) return;
  enabled = true;
  const { register } = await import("tsx/esm/api");
  register();
}
