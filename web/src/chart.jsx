// A line chart in SVG (no chart library): one or more series of {x, y} points, axes with
// their ranges, a legend. Used for metric histories over steps (one run, or several runs
// compared). The chart has role=img and a text label; the numbers are in a table beside it.

// series: [{name, points: [{x, y}]}]
export function LineChart({ series, label, xLabel = 'step', width = 560, height = 220 }) {
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return null;
  const L = 56;
  const R = 12;
  const T = 10;
  const B = 30;
  let x0 = Math.min(...pts.map((p) => p.x));
  let x1 = Math.max(...pts.map((p) => p.x));
  let y0 = Math.min(...pts.map((p) => p.y));
  let y1 = Math.max(...pts.map((p) => p.y));
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) {
    y0 -= 1;
    y1 += 1;
  }
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (width - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (height - T - B);
  const num = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000));
  return (
    <figure class="chart">
      <svg role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
        <line x1={L} y1={height - B} x2={width - R} y2={height - B} class="chart-axis" />
        <line x1={L} y1={T} x2={L} y2={height - B} class="chart-axis" />
        <text x={L - 4} y={T + 10} text-anchor="end" class="chart-text">
          {num(y1)}
        </text>
        <text x={L - 4} y={height - B} text-anchor="end" class="chart-text">
          {num(y0)}
        </text>
        <text x={L} y={height - 12} class="chart-text">
          {num(x0)}
        </text>
        <text x={width - R} y={height - 12} text-anchor="end" class="chart-text">
          {num(x1)}
        </text>
        <text x={(L + width) / 2} y={height - 2} text-anchor="middle" class="chart-text">
          {xLabel}
        </text>
        {series.map((s, i) => {
          const ps = [...s.points].sort((a, b) => a.x - b.x);
          const d = ps.map((p, j) => `${j ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
          return (
            <g key={s.name}>
              <path d={d} class={`chart-line s${i % 6}`} />
              {ps.length <= 60 ? ps.map((p, j) => <circle key={j} cx={sx(p.x)} cy={sy(p.y)} r="2.5" class={`s${i % 6}`} />) : null}
            </g>
          );
        })}
      </svg>
      {series.length > 1 ? (
        <figcaption>
          <ul class="legend">
            {series.map((s, i) => (
              <li key={s.name}>
                <span class={`sw s${i % 6}`} aria-hidden="true" />
                {s.name}
              </li>
            ))}
          </ul>
        </figcaption>
      ) : null}
    </figure>
  );
}
