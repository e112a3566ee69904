/**
 * Wiring errors raised while a stack config is validated and a machine is built, each naming the plugins
 * involved (NestJS's boot-time exceptions are the model).
 * @packageDocumentation
 */

/** Base class of every error a stack config can cause. */
export class StackConfigError extends Error {
  /** The class name, a literal per subclass (`"MissingCapabilityError"`…). */
  override readonly name: string = 'StackConfigError';
}

/** A plugin requires a capability no selected plugin provides. */
export class MissingCapabilityError extends StackConfigError {
  /** Always `"MissingCapabilityError"`. */
  override readonly name = 'MissingCapabilityError';
  /**
   * @param capability - the capability nobody provides
   * @param requiredBy - the plugins requiring it
   */
  constructor(
    readonly capability: string,
    readonly requiredBy: readonly string[],
  ) {
    super(`missing capability "${capability}", required by plugin(s) ${requiredBy.join(', ')}`);
  }
}

/** Two selected plugins provide the same unique capability. */
export class DuplicateProviderError extends StackConfigError {
  /** Always `"DuplicateProviderError"`. */
  override readonly name = 'DuplicateProviderError';
  /**
   * @param capability - the capability
   * @param providers - the plugins providing it
   */
  constructor(
    readonly capability: string,
    readonly providers: readonly string[],
  ) {
    super(`capability "${capability}" is provided by more than one plugin: ${providers.join(', ')}`);
  }
}

/** The selected plugins' requirements form a cycle. */
export class DependencyCycleError extends StackConfigError {
  /** Always `"DependencyCycleError"`. */
  override readonly name = 'DependencyCycleError';
  /** @param cycle - plugin names along the cycle, the first repeated at the end */
  constructor(readonly cycle: readonly string[]) {
    super(`dependency cycle between plugins: ${cycle.join(' -> ')}`);
  }
}

/** The stack config names a plugin the catalogue does not have. */
export class UnknownPluginError extends StackConfigError {
  /** Always `"UnknownPluginError"`. */
  override readonly name = 'UnknownPluginError';
  /**
   * @param plugin - the unknown name
   * @param known - the names the catalogue has
   */
  constructor(
    readonly plugin: string,
    readonly known: readonly string[],
  ) {
    super(`unknown plugin "${plugin}" (available: ${known.join(', ') || 'none'})`);
  }
}

/** A plugin parameter is unknown, ill-typed or out of range. */
export class ParameterError extends StackConfigError {
  /** Always `"ParameterError"`. */
  override readonly name = 'ParameterError';
  /**
   * @param plugin - the plugin whose parameter is wrong
   * @param param - the dotted parameter name
   * @param reason - what is wrong with it
   */
  constructor(
    readonly plugin: string,
    readonly param: string,
    readonly reason: string,
  ) {
    super(`plugin ${plugin}: parameter "${param}": ${reason}`);
  }
}

/** A `CONFIG_*` option is unknown, ill-typed, out of range, or declared twice. */
export class ConfigError extends StackConfigError {
  /** Always `"ConfigError"`. */
  override readonly name = 'ConfigError';
  /**
   * @param option - the `CONFIG_*` name
   * @param reason - what is wrong
   */
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`${option}: ${reason}`);
  }
}

/** A plugin declares a capability its module did not bind. */
export class UnboundCapabilityError extends StackConfigError {
  /** Always `"UnboundCapabilityError"`. */
  override readonly name = 'UnboundCapabilityError';
  /**
   * @param plugin - the plugin
   * @param capability - the capability it declared but did not bind
   */
  constructor(
    readonly plugin: string,
    readonly capability: string,
  ) {
    super(`plugin ${plugin} declares capability "${capability}" but its module binds no service for it`);
  }
}

/** A plugin's init, start or stop hook failed; the machine unwound what had started. */
export class PluginLifecycleError extends StackConfigError {
  /** Always `"PluginLifecycleError"`. */
  override readonly name = 'PluginLifecycleError';
  /**
   * @param plugin - the plugin whose hook failed
   * @param phase - which hook
   * @param cause - what it threw
   */
  constructor(
    readonly plugin: string,
    readonly phase: 'init' | 'start' | 'stop',
    override readonly cause: unknown,
  ) {
    super(`plugin ${plugin}: ${phase} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
