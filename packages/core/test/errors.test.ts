import { expect } from 'chai';
import {
  ConfigError,
  DependencyCycleError,
  DuplicateProviderError,
  MissingCapabilityError,
  ParameterError,
  PluginLifecycleError,
  StackConfigError,
  UnboundCapabilityError,
  UnknownPluginError,
} from '@stackemu/core';

describe('wiring errors', () => {
  const cases: [StackConfigError, string, string][] = [
    [
      new MissingCapabilityError('vfs', ['fio']),
      'MissingCapabilityError',
      'missing capability "vfs", required by plugin(s) fio',
    ],
    [
      new DuplicateProviderError('mm', ['a', 'b']),
      'DuplicateProviderError',
      'capability "mm" is provided by more than one plugin: a, b',
    ],
    [
      new DependencyCycleError(['a', 'b', 'a']),
      'DependencyCycleError',
      'dependency cycle between plugins: a -> b -> a',
    ],
    [new UnknownPluginError('zfs', []), 'UnknownPluginError', 'unknown plugin "zfs" (available: none)'],
    [
      new ParameterError('nvme', 'depth', 'expects an int'),
      'ParameterError',
      'plugin nvme: parameter "depth": expects an int',
    ],
    [new ConfigError('CONFIG_X', 'unknown option'), 'ConfigError', 'CONFIG_X: unknown option'],
    [
      new UnboundCapabilityError('mm', 'gup'),
      'UnboundCapabilityError',
      'plugin mm declares capability "gup" but its module binds no service for it',
    ],
    [
      new PluginLifecycleError('nvme', 'start', new Error('no media')),
      'PluginLifecycleError',
      'plugin nvme: start failed: no media',
    ],
    [new PluginLifecycleError('nvme', 'stop', 'str'), 'PluginLifecycleError', 'plugin nvme: stop failed: str'],
  ];
  for (const [err, name, message] of cases) {
    it(`${name} has a literal name and names the plugins involved`, () => {
      expect(err).to.be.instanceOf(StackConfigError).and.instanceOf(Error);
      expect(err.name).to.equal(name);
      expect(err.message).to.equal(message);
      expect(String(err)).to.equal(`${name}: ${message}`);
    });
  }

  it('PluginLifecycleError keeps the cause', () => {
    const cause = new Error('x');
    expect(new PluginLifecycleError('p', 'init', cause).cause).to.equal(cause);
  });
});
