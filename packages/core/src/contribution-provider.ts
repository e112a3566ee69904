/**
 * Contribution points: many plugins bind implementations to one id; the owner reads them through a provider.
 * @packageDocumentation
 */
import type { Bind, ServiceIdentifier } from 'inversify';

/**
 * Gives the owner of an extension point every contribution bound to it (Theia's `ContributionProvider`).
 */
export interface ContributionProvider<T> {
  /** Every contribution, in binding order; resolved on first call, then cached. */
  getContributions(): readonly T[];
}

/**
 * Binds a {@link ContributionProvider} for contributions bound at `contributionId`, under `providerId`.
 * @param bind - the `bind` of a `ContainerModule` (or `container.bind`)
 * @param contributionId - where contributors bind their implementations
 * @param providerId - where the owner finds the provider (one per container)
 * @remarks Contributions are resolved lazily, so plugins loaded after the owner still count.
 */
export function bindContributionProvider<T>(
  bind: Bind,
  contributionId: ServiceIdentifier<T>,
  providerId: ServiceIdentifier<ContributionProvider<T>>,
): void {
  bind(providerId)
    .toDynamicValue((ctx) => {
      let cache: readonly T[] | undefined;
      return {
        getContributions(): readonly T[] {
          cache ??= ctx.getAll<T>(contributionId, { optional: true });
          return cache;
        },
      };
    })
    .inSingletonScope();
}
