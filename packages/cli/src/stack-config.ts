/**
 * Stack configs from files (YAML or JSON) and `--set key=value` overrides.
 * @packageDocumentation
 */
import { StackConfigError, type StackConfig, type StackPluginEntry } from '@stackemu/core';
import { parse as parseYaml } from 'yaml';

/** Raised for a bad stack file or `--set`. */
export class StackFileError extends StackConfigError {
  /** Error class name. */
  override readonly name: string = 'StackFileError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks and converts a parsed stack document: `{ name?, seed?, plugins: [{ name, params? }], config? }`.
 * @param doc - the parsed YAML/JSON value
 * @param where - file name for messages
 * @returns the stack config
 * @throws StackFileError naming what is wrong
 */
export function toStackConfig(doc: unknown, where: string): StackConfig {
  if (!isRecord(doc)) throw new StackFileError(`${where}: a stack config must be a mapping with a "plugins" list`);
  const known = new Set(['name', 'seed', 'plugins', 'config']);
  for (const k of Object.keys(doc))
    if (!known.has(k)) throw new StackFileError(`${where}: unknown key "${k}" (known: name, seed, plugins, config)`);
  const plugins = doc['plugins'];
  if (!Array.isArray(plugins)) throw new StackFileError(`${where}: "plugins" must be a list`);
  const entries: StackPluginEntry[] = plugins.map((p: unknown, i) => {
    if (typeof p === 'string') return { name: p };
    if (!isRecord(p) || typeof p['name'] !== 'string')
      throw new StackFileError(`${where}: plugins[${i}] needs a "name"`);
    const params = p['params'];
    if (params !== undefined && !isRecord(params))
      throw new StackFileError(`${where}: plugins[${i}].params must be a mapping`);
    return params === undefined ? { name: p['name'] } : { name: p['name'], params };
  });
  const seed = doc['seed'];
  if (seed !== undefined && typeof seed !== 'number' && typeof seed !== 'string')
    throw new StackFileError(`${where}: "seed" must be a number or string`);
  const config = doc['config'];
  if (config !== undefined && !isRecord(config))
    throw new StackFileError(`${where}: "config" must be a mapping of CONFIG_* values`);
  return {
    ...(typeof doc['name'] === 'string' ? { name: doc['name'] } : {}),
    ...(seed !== undefined ? { seed } : {}),
    plugins: entries,
    ...(config !== undefined ? { config } : {}),
  };
}

/**
 * Parses a stack file's text (YAML, of which JSON is a subset).
 * @throws StackFileError for a syntax error or a bad shape
 */
export function parseStackFile(text: string, where: string): StackConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new StackFileError(`${where}: ${(e as Error).message.split('\n')[0] ?? 'syntax error'}`);
  }
  return toStackConfig(doc, where);
}

function scalar(v: string): unknown {
  try {
    return parseYaml(v) as unknown;
  } catch {
    return v;
  }
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (!isRecord(next)) {
      const fresh: Record<string, unknown> = {};
      o[k] = fresh;
      o = fresh;
    } else o = next;
  }
  o[path[path.length - 1] as string] = value;
}

/**
 * Applies `--set key=value` overrides: `seed=N`, `name=X`, `CONFIG_X=y` (or `config.CONFIG_X=y`), and
 * `<plugin>.<param>=value` (dotted parameter names allowed; the value is read as a YAML scalar or flow
 * collection, so `nvme.capacity=1g`, `mm.sanitizer=false`, `vfs.mounts=[]` work).
 * @returns a new config
 * @throws StackFileError for a malformed override or a plugin not in the stack
 */
export function applySets(cfg: StackConfig, sets: readonly string[]): StackConfig {
  let out: StackConfig = {
    ...cfg,
    plugins: cfg.plugins.map((p) => ({ ...p, ...(p.params ? { params: structuredClone(p.params) } : {}) })),
  };
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new StackFileError(`--set ${s}: expected key=value`);
    const key = s.slice(0, eq).trim();
    const value = scalar(s.slice(eq + 1));
    if (key === 'seed') {
      if (typeof value !== 'number' && typeof value !== 'string')
        throw new StackFileError(`--set seed: expected a number`);
      out = { ...out, seed: value };
    } else if (key === 'name') out = { ...out, name: String(value) };
    else if (key.startsWith('CONFIG_') || key.startsWith('config.')) {
      const opt = key.replace(/^config\./, '');
      out = { ...out, config: { ...(out.config ?? {}), [opt]: value } };
    } else {
      const dot = key.indexOf('.');
      if (dot <= 0) throw new StackFileError(`--set ${key}: expected <plugin>.<param>, seed, name or CONFIG_*`);
      const plugin = key.slice(0, dot);
      const param = key.slice(dot + 1);
      const entry = out.plugins.find((p) => p.name === plugin);
      if (entry === undefined) {
        throw new StackFileError(
          `--set ${key}: plugin "${plugin}" is not in stack "${out.name ?? 'stack'}" (plugins: ${out.plugins.map((p) => p.name).join(', ')})`,
        );
      }
      const params: Record<string, unknown> = { ...(entry.params ?? {}) };
      setPath(params, [param], value);
      out = { ...out, plugins: out.plugins.map((p) => (p === entry ? { name: p.name, params } : p)) };
    }
  }
  return out;
}
