import { BoundedCache, cacheSizes, IdentityCache, resetCaches } from '../../lib/core/cache';
import { parseRuleParameters } from '../../lib/parameters';
import { indexUsage } from '../../lib/facts/gather';
import { assessRole } from '../../lib/rule/assess-role';
import { aJobDefinition, aRole, deny, LOCATION, policy } from '../builders';

describe('BoundedCache', () => {
  it('keeps entries up to its bound, then clears before the next one goes in', () => {
    // Arrange
    const cache = new BoundedCache<string, number>('test bound', 2);
    cache.set('a', 1);
    cache.set('b', 2);

    // Act
    cache.set('c', 3);

    // Assert
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, undefined, 3]);
    expect(cache.size).toBe(1);
  });

  it('builds a value once with getOrCreate', () => {
    // Arrange
    const cache = new BoundedCache<string, string>('test build', 10);
    const build = jest.fn((key: string) => key.toUpperCase());

    // Act
    const first = cache.getOrCreate('x', build);
    const second = cache.getOrCreate('x', build);

    // Assert
    expect([first, second]).toEqual(['X', 'X']);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('shares one bound with the caches of its pool, and clears them together', () => {
    // Arrange
    const pool: BoundedCache<unknown, unknown>[] = [];
    const left = new BoundedCache<string, number>('test pool left', 2, pool);
    const right = new BoundedCache<string, number>('test pool right', 2, pool);
    left.set('a', 1);
    right.set('b', 2);

    // Act
    right.set('c', 3);

    // Assert
    expect(left.get('a')).toBeUndefined();
    expect(right.get('b')).toBeUndefined();
    expect(right.get('c')).toBe(3);
  });
});

describe('IdentityCache', () => {
  it('keys by object identity, not by content', () => {
    // Arrange
    const cache = new IdentityCache<object, string>('test identity');
    const key = { a: 1 };
    cache.set(key, 'hit');

    // Act / Assert
    expect(cache.get(key)).toBe('hit');
    expect(cache.get({ a: 1 })).toBeUndefined();
  });

  it('forgets everything on clear', () => {
    // Arrange
    const cache = new IdentityCache<object, string>('test identity clear');
    const key = {};
    cache.set(key, 'hit');

    // Act
    cache.clear();

    // Assert
    expect(cache.get(key)).toBeUndefined();
  });
});

describe('resetCaches', () => {
  const assess = () => {
    const role = aRole({ inline: { deny: policy(deny('logs:*', 'arn:aws:logs:*:*:log-group:/etl*')) } });
    const usage = indexUsage({ jobDefinitions: [aJobDefinition()], taskDefinitions: [] }, LOCATION);
    return assessRole(role, usage, new Map(), parseRuleParameters(undefined), LOCATION);
  };

  it('empties every counted cache of the core, and the verdicts after it are the same as before', () => {
    // Arrange
    const before = assess();
    const filled = cacheSizes().filter((cache) => (cache.size ?? 0) > 0);

    // Act
    resetCaches();
    const emptied = cacheSizes().filter((cache) => (cache.size ?? 0) > 0);
    const after = assess();

    // Assert
    expect(filled.length).toBeGreaterThan(0);
    expect(emptied).toEqual([]);
    expect(after).toEqual(before);
  });

  it('knows the caches of the policy engine, the requirements and candidacy by name', () => {
    const names = cacheSizes().map((cache) => cache.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'role name globs',
        'base permissions',
        'action matchers',
        'ARN overlaps',
        'ARN globs',
        'identity policy texts',
        'resource locations',
        'lowercased contexts',
        'compiled documents',
      ]),
    );
  });
});
