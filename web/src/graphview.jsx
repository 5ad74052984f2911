// A directed graph drawn as SVG with the layered layout of graph.js: the jobs task DAG and
// the lineage graph. Every node is a focusable button (Tab reaches it, Enter or Space selects
// it); its class comes from the caller (a run state, masked, selected), its text is text.
import { useMemo } from 'preact/hooks';
import { edgePath, layout } from './graph.js';

// nodes: [{id, label, sub?, cls?, title?}], edges: [{source, target, cls?}].
// onSelect(node) when a node is chosen; selected: the chosen id; label: the graph's name.
export function GraphSvg({ nodes, edges, label, onSelect, selected, nodeWidth = 190, nodeHeight = 40 }) {
  const lay = useMemo(() => {
    const t0 = performance.now();
    const l = layout(nodes, edges, { nodeWidth, nodeHeight });
    l.ms = performance.now() - t0;
    return l;
  }, [nodes, edges, nodeWidth, nodeHeight]);
  const W = lay.nodeWidth;
  const H = lay.nodeHeight;
  const key = (e) => {
    return (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        if (onSelect) onSelect(e);
      }
    };
  };
  const clip = (s, max) => (s && s.length > max ? s.slice(0, max - 1) + '…' : s || '');
  const chars = Math.floor((W - 16) / 7);
  return (
    <div class="graph-wrap">
      <svg class="graph" role="group" aria-label={label} width={lay.width} height={lay.height} viewBox={`0 0 ${lay.width} ${lay.height}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
        </defs>
        <g class="edges">
          {edges.map((e, i) => {
            const a = lay.pos.get(e.source);
            const b = lay.pos.get(e.target);
            if (!a || !b) return null;
            return <path key={i} d={edgePath(a, b, W, H)} class={`edge ${e.cls || ''}`} marker-end="url(#arrow)" />;
          })}
        </g>
        <g class="nodes">
          {nodes.map((nd) => {
            const p = lay.pos.get(nd.id);
            if (!p) return null;
            const sel = selected === nd.id;
            // the accessible name is the visible text (label, a space, sub-label); the full
            // text of a clipped label is the description
            const shown = clip(nd.label, chars);
            const sub = nd.sub ? clip(nd.sub, chars + 4) : '';
            return (
              <g
                key={nd.id}
                class={`node ${nd.cls || ''}${sel ? ' selected' : ''}`}
                transform={`translate(${p.x},${p.y})`}
                role="button"
                tabindex="0"
                aria-description={nd.title || undefined}
                aria-pressed={sel ? 'true' : 'false'}
                onClick={() => onSelect && onSelect(nd)}
                onKeyDown={key(nd)}
              >
                <rect width={W} height={H} rx="5" />
                <text class="node-label">
                  <tspan x="8" y={sub ? 16 : H / 2 + 5}>
                    {shown}
                  </tspan>
                  {sub ? ' ' : null}
                  {sub ? (
                    <tspan x="8" y={H - 8} class="node-sub">
                      {sub}
                    </tspan>
                  ) : null}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}
