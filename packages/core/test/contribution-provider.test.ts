import { expect } from 'chai';
import { Container, ContainerModule } from 'inversify';
import { bindContributionProvider, type ContributionProvider } from '@stackemu/core';

interface FileSystemType {
  readonly name: string;
}
const FileSystemTypes = Symbol.for('test.FileSystemTypes');
const FileSystemTypesProvider = Symbol.for('test.FileSystemTypesProvider');

describe('bindContributionProvider()', () => {
  it('gives the owner every contribution in binding order, including modules loaded later', () => {
    const c = new Container();
    c.load(
      new ContainerModule(({ bind }) => {
        bindContributionProvider(bind, FileSystemTypes, FileSystemTypesProvider);
      }),
    );
    c.load(
      new ContainerModule(({ bind }) => {
        bind(FileSystemTypes).toConstantValue({ name: 'iomapfs' });
      }),
    );
    c.load(
      new ContainerModule(({ bind }) => {
        bind(FileSystemTypes).toConstantValue({ name: 'nfs' });
      }),
    );
    const p = c.get<ContributionProvider<FileSystemType>>(FileSystemTypesProvider);
    expect(p.getContributions().map((f) => f.name)).to.deep.equal(['iomapfs', 'nfs']);
    expect(p.getContributions()).to.equal(p.getContributions()); // cached after the first call
    expect(c.get(FileSystemTypesProvider)).to.equal(p); // one provider per container
  });

  it('gives an empty list when nobody contributes', () => {
    const c = new Container();
    bindContributionProvider(c.bind.bind(c), FileSystemTypes, FileSystemTypesProvider);
    expect(c.get<ContributionProvider<FileSystemType>>(FileSystemTypesProvider).getContributions()).to.deep.equal([]);
  });

  it('keeps two containers apart', () => {
    const mk = (name: string): ContributionProvider<FileSystemType> => {
      const c = new Container();
      bindContributionProvider(c.bind.bind(c), FileSystemTypes, FileSystemTypesProvider);
      c.bind(FileSystemTypes).toConstantValue({ name });
      return c.get(FileSystemTypesProvider);
    };
    expect(
      mk('a')
        .getContributions()
        .map((f) => f.name),
    ).to.deep.equal(['a']);
    expect(
      mk('b')
        .getContributions()
        .map((f) => f.name),
    ).to.deep.equal(['b']);
  });
});
