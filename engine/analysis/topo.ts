/**
 * Topological order and cycle finding on a graph given as adjacency lists of
 * node indices. Linear time; iterative (no recursion), so a 100,000-node
 * chain cannot overflow the stack.
 */

export interface TopoResult {
  /** Node indices in topological order; nodes on or after a cycle are left out. */
  order: number[];
  /** Each cycle found, as a closed walk of node indices (first ≠ last; the edge last → first closes it). */
  cycles: number[][];
  /** Nodes that are on some cycle. */
  onCycle: Set<number>;
  /** Nodes left out of `order` that are not on a cycle (downstream of one). */
  afterCycle: number[];
}

/**
 * Kahn's algorithm. `succ[i]` lists the targets of node i's edges (repeats
 * allowed). Ties are broken by index so the order follows the document.
 */
export function topoSort(n: number, succ: readonly (readonly number[])[]): TopoResult {
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) for (const t of succ[i]) indeg[t]++;
  const order: number[] = [];
  // A FIFO over a plain array with a moving head: O(1) per node.
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h];
    order.push(v);
    for (const t of succ[v]) if (--indeg[t] === 0) queue.push(t);
  }
  if (order.length === n) return { order, cycles: [], onCycle: new Set(), afterCycle: [] };

  // Every node left has indeg > 0. Strongly connected components among them
  // (Tarjan, iterative) tell which are on a cycle and which merely follow one.
  const left = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (indeg[i] > 0) left[i] = 1;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const sccs: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (!left[root] || index[root] !== -1) continue;
    // Call stack of [node, next-successor position].
    const call: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (call.length) {
      const frame = call[call.length - 1];
      const v = frame[0];
      const out = succ[v];
      if (frame[1] < out.length) {
        const w = out[frame[1]++];
        if (!left[w]) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          call.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
      } else {
        call.pop();
        if (call.length) {
          const p = call[call.length - 1][0];
          low[p] = Math.min(low[p], low[v]);
        }
        if (low[v] === index[v]) {
          const comp: number[] = [];
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            comp.push(w);
          } while (w !== v);
          sccs.push(comp);
        }
      }
    }
  }

  const onCycle = new Set<number>();
  const cycles: number[][] = [];
  for (const comp of sccs) {
    const selfLoop = comp.length === 1 && succ[comp[0]].includes(comp[0]);
    if (comp.length < 2 && !selfLoop) continue;
    const members = new Set(comp);
    for (const v of comp) onCycle.add(v);
    cycles.push(walkCycle(comp.reduce((a, b) => Math.min(a, b)), members, succ));
  }
  const afterCycle: number[] = [];
  for (let i = 0; i < n; i++) if (left[i] && !onCycle.has(i)) afterCycle.push(i);
  return { order, cycles, onCycle, afterCycle };
}

/**
 * One concrete cycle inside a strongly connected component: follow edges that
 * stay in the component until a node repeats, then keep the loop part.
 */
function walkCycle(from: number, members: Set<number>, succ: readonly (readonly number[])[]): number[] {
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let v = from;
  while (!seenAt.has(v)) {
    seenAt.set(v, path.length);
    path.push(v);
    // In a strongly connected component every node has a successor inside it.
    v = succ[v].find((w) => members.has(w))!;
  }
  return path.slice(seenAt.get(v));
}
