// A directed graph drawn as SVG with the layered layout of graph.js: the jobs task DAG and
// the lineage graph. Every node is a focusable button (Tab reaches it, Enter or Space selects
// it); its class comes from the caller (a run state, masked, selected), its text is text.
// A large graph (more than VIRTUAL_ABOVE nodes) is laid out whole but drawn only where the
// scroll box shows it (plus a screen around it): the nodes and edges in view, redrawn as it
// scrolls, so 1,000 nodes cost what the screen shows.
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { edgePath, layout } from './graph.js';

// nodes: [{id, label, sub?, cls?, title?}], edges: [{source, target, cls?}].
// onSelect(node) when a node is chosen; selected: the chosen id; label: the graph's name.
const VIRTUAL_ABOVE = 300;

export function GraphSvg({ nodes, edges, label, onSelect, selected, center, nodeWidth = 190, nodeHeight = 40 }) {
  const lay = useMemo(() => {
    const t0 = performance.now();
    const l = layout(nodes, edges, { nodeWidth, nodeHeight });
    l.ms = performance.now() - t0;
    return l;
  }, [nodes, edges, nodeWidth, nodeHeight]);
  const W = lay.nodeWidth;
  const H = lay.nodeHeight;
  // one listener for every node (event delegation): a node is found by its data-id
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const pick = (ev) => {
    const g = ev.target && ev.target.closest ? ev.target.closest('g.node') : null;
    return g ? byId.get(g.getAttribute('data-id')) : undefined;
  };
  const onClick = (ev) => {
    const nd = pick(ev);
    if (nd && onSelect) onSelect(nd);
  };
  const onKeyDown = (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    const nd = pick(ev);
    if (!nd) return;
    ev.preventDefault();
    if (onSelect) onSelect(nd);
  };
  // the part of the graph in view (large graphs only)
  const box = useRef(null);
  const virtual = nodes.length > VIRTUAL_ABOVE;
  const [view, setView] = useState({ x: 0, y: 0, w: 1400, h: 900 });
  const frame = useRef(0);
  const measure = () => {
    frame.current = 0;
    const el = box.current;
    if (el) setView({ x: el.scrollLeft, y: el.scrollTop, w: el.clientWidth || 1400, h: el.clientHeight || 900 });
  };
  const onScroll = () => {
    if (virtual && !frame.current) frame.current = requestAnimationFrame(measure);
  };
  // a new layout scrolls `center` (the lineage root) into the middle of the box
  useLayoutEffect(() => {
    const el = box.current;
    const p = center ? lay.pos.get(center) : null;
    if (el && p) {
      el.scrollTop = Math.max(0, p.y + H / 2 - el.clientHeight / 2);
      el.scrollLeft = Math.max(0, p.x + W / 2 - el.clientWidth / 2);
    }
    seenLay.current = lay;
    if (virtual) measure();
    return () => frame.current && cancelAnimationFrame(frame.current);
  }, [virtual, lay, center]);
  // before the box scrolls to `center` for a new layout, draw around `center` already
  const seenLay = useRef(null);
  let v = view;
  if (seenLay.current !== lay) {
    const p = center ? lay.pos.get(center) : null;
    const el = box.current;
    const w = (el && el.clientWidth) || 1200;
    const h = (el && el.clientHeight) || 620;
    v = p ? { x: Math.max(0, p.x + W / 2 - w / 2), y: Math.max(0, p.y + H / 2 - h / 2), w, h } : { x: 0, y: 0, w, h };
  }
  const inView = useMemo(() => {
    if (!virtual) return null;
    const view = v;
    const x0 = view.x - view.w;
    const x1 = view.x + 2 * view.w;
    const y0 = view.y - view.h;
    const y1 = view.y + 2 * view.h;
    const keep = new Set();
    for (const [id, p] of lay.pos) if (p.x + W >= x0 && p.x <= x1 && p.y + H >= y0 && p.y <= y1) keep.add(id);
    if (selected) keep.add(selected);
    return keep;
  }, [virtual, lay, v.x, v.y, v.w, v.h, selected]);
  const shownNodes = inView ? nodes.filter((n) => inView.has(n.id)) : nodes;
  const shownEdges = inView ? edges.filter((e) => inView.has(e.source) || inView.has(e.target)) : edges;
  const clip = (s, max) => (s && s.length > max ? s.slice(0, max - 1) + '…' : s || '');
  const chars = Math.floor((W - 16) / 7);
  return (
    <div
      class="graph-wrap"
      ref={box}
      onScroll={onScroll}
      data-nodes={nodes.length}
      data-drawn={shownNodes.length}
      tabIndex={virtual ? 0 : undefined}
      role={virtual ? 'region' : undefined}
      aria-label={virtual ? `${label}: ${nodes.length} nodes, those in view are drawn (scroll to see more)` : undefined}
    >
      <svg class="graph" data-layout-ms={lay.ms.toFixed(1)} role="group" aria-label={label} width={lay.width} height={lay.height} viewBox={`0 0 ${lay.width} ${lay.height}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
        </defs>
        <g class="edges">
          {shownEdges.map((e, i) => {
            const a = lay.pos.get(e.source);
            const b = lay.pos.get(e.target);
            if (!a || !b) return null;
            return <path key={i} d={edgePath(a, b, W, H)} class={`edge ${e.cls || ''}`} marker-end="url(#arrow)" />;
          })}
        </g>
        <g class="nodes" onClick={onClick} onKeyDown={onKeyDown}>
          {shownNodes.map((nd) => {
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
                data-id={nd.id}
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
