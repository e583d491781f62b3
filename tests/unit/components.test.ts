import { describe, expect, it } from 'vitest';
import { connectedComponents } from '../../server/src/analysis/components.js';

describe('connectedComponents', () => {
  it('no node: no component; isolated nodes: one component each, in the order given', () => {
    expect(connectedComponents([], [])).toEqual([]);
    expect(connectedComponents(['b', 'a'], [])).toEqual([['b'], ['a']]);
  });

  it('a chain joins whatever the order of its edges', () => {
    expect(connectedComponents(['a', 'b', 'c', 'd'], [['c', 'd'], ['a', 'b'], ['b', 'c']])).toEqual([['a', 'b', 'c', 'd']]);
    expect(connectedComponents(['a', 'b', 'c', 'd'], [['d', 'c'], ['b', 'a']])).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('cycles, repeated edges and self-loops change nothing; edges to unknown nodes are ignored', () => {
    const edges: [string, string][] = [['a', 'b'], ['b', 'c'], ['c', 'a'], ['a', 'b'], ['e', 'e'], ['e', 'x']];
    expect(connectedComponents(['a', 'b', 'c', 'e'], edges)).toEqual([['a', 'b', 'c'], ['e']]);
  });

  it('a node given twice is listed once', () => {
    expect(connectedComponents(['a', 'a', 'b'], [['a', 'b']])).toEqual([['a', 'b']]);
  });

  it('a star and a long path (deep trees) end in one component', () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => `n${i}`);
    const path = nodes.slice(1).map((n, i): [string, string] => [n, nodes[i]!]);
    expect(connectedComponents(nodes, path)).toEqual([nodes]);
    expect(connectedComponents(nodes, nodes.slice(1).map((n): [string, string] => [nodes[0]!, n]))).toEqual([nodes]);
  });
});
