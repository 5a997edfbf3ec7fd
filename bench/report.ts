// The benchmark's results as JSON, a Markdown table (the README's Performance table and docs/performance.md) and an SVG chart.

export interface LatencyStats {
  count: number;
  ok: number;
  errors: number;
  timeouts: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A target: a ratio to bare Temporal, or an absolute bound on this service's figure. */
export interface Target {
  ratioAtLeast?: number;
  ratioAtMost?: number;
  atLeast?: number;
  atMost?: number;
}

export interface Figure {
  name: string;
  unit: string;
  service: number;
  /** What the service is measured against: bare Temporal's figure, unless `against` names another (its start, one thread). */
  bare?: number;
  against?: string;
  target?: Target;
  latency?: { service: LatencyStats; bare?: LatencyStats };
  achieved?: { service: number; bare?: number };
  note?: string;
}

export interface BenchReport {
  at: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  parameters: Record<string, unknown>;
  figures: Figure[];
  memory: { open: number; rssKiB: number }[];
}

const number = (value: number | undefined, unit = ''): string =>
  value === undefined || Number.isNaN(value)
    ? '–'
    : `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)}${unit ? ` ${unit}` : ''}`;

export const ratioOf = (figure: Figure): number | undefined => (figure.bare ? figure.service / figure.bare : undefined);

/** Whether a figure meets its target; undefined where it has none. */
export function meets(figure: Figure): boolean | undefined {
  const { target } = figure;
  if (!target) return undefined;
  const ratio = ratioOf(figure);
  if (target.ratioAtLeast !== undefined) return ratio !== undefined && ratio >= target.ratioAtLeast;
  if (target.ratioAtMost !== undefined) return ratio !== undefined && ratio <= target.ratioAtMost;
  if (target.atLeast !== undefined) return figure.service >= target.atLeast;
  if (target.atMost !== undefined) return figure.service <= target.atMost;
  return undefined;
}

const describeTarget = (figure: Figure): string => {
  const t = figure.target;
  if (!t) return '';
  if (t.ratioAtLeast !== undefined) return `≥ ${t.ratioAtLeast} × ${figure.against ?? 'bare'}`;
  if (t.ratioAtMost !== undefined) return `≤ ${t.ratioAtMost} × ${figure.against ?? 'bare'}`;
  if (t.atLeast !== undefined) return `≥ ${t.atLeast} ${figure.unit}`;
  if (t.atMost !== undefined) return `≤ ${t.atMost} ${figure.unit}`;
  return '';
};

export function renderMarkdown(report: BenchReport): string {
  const rows = report.figures.map((f) => {
    const ratio = ratioOf(f);
    const met = meets(f);
    const achieved = f.achieved
      ? ` (achieved ${number(f.achieved.service, '/s')}${f.achieved.bare === undefined ? '' : ` vs ${number(f.achieved.bare, '/s')}`})`
      : '';
    return `| ${f.name} | ${number(f.service, f.unit)}${achieved} | ${f.bare === undefined ? '' : `${number(f.bare, f.unit)}${f.against ? ` (${f.against})` : ''}`} | ${ratio === undefined ? '' : ratio.toFixed(2)} | ${describeTarget(f)} | ${met === undefined ? '' : met ? 'met' : '**missed**'} |`;
  });
  const latencyRows = report.figures
    .filter((f) => f.latency)
    .flatMap((f) =>
      (['service', 'bare'] as const).flatMap((system) => {
        const l = f.latency?.[system];
        return l
          ? [
              `| ${f.name} | ${system === 'bare' ? (f.against ?? 'bare') : system} | ${l.count} | ${l.errors} | ${l.timeouts} | ${number(l.p50)} | ${number(l.p90)} | ${number(l.p99)} | ${number(l.max)} |`,
            ]
          : [];
      }),
    );
  const notes = report.figures.filter((f) => f.note).map((f) => `- ${f.name}: ${f.note}`);
  return [
    `Measured ${report.at} in ${report.durationSeconds.toFixed(0)} s on ${report.machine.cpus}, ${report.machine.memoryGiB} GiB (${report.machine.platform}); ${Object.entries(
      report.versions,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    '| figure | this service | bare Temporal (or as named) | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Latency in ms (requests, errors, client time-outs, percentiles):',
    '',
    '| figure | system | requests | errors | time-outs | p50 | p90 | p99 | max |',
    '|---|---|---|---|---|---|---|---|---|',
    ...latencyRows,
    '',
    ...notes,
    '',
    `Parameters: ${JSON.stringify(report.parameters)}`,
    '',
  ].join('\n');
}

/** Latency percentiles of each measured figure, this service against bare Temporal, on a log scale. */
export function renderSvg(report: BenchReport): string {
  const bars = report.figures
    .filter((f) => f.latency)
    .flatMap((f) =>
      (['service', 'bare'] as const).flatMap((system) => {
        const l = f.latency?.[system];
        return l
          ? [
              {
                label: `${f.name} — ${system === 'service' ? 'this service' : (f.against ?? 'bare Temporal')}`,
                p50: l.p50,
                p99: l.p99,
                system,
              },
            ]
          : [];
      }),
    );
  const width = 980;
  const left = 430;
  const row = 26;
  const top = 50;
  const height = top + bars.length * row + 40;
  const max = Math.max(10, ...bars.map((b) => (Number.isNaN(b.p99) ? 0 : b.p99)));
  const scale = (ms: number) =>
    Number.isNaN(ms) || ms <= 0 ? 0 : (Math.log10(Math.max(1, ms)) / Math.log10(max * 1.2)) * (width - left - 20);
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const ticks = [1, 10, 100, 1000, 10000].filter((t) => t <= max * 1.2);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-label="Latency percentiles, this service against bare Temporal">`,
    `<title>Latency p50 and p99 (ms, log scale): this service against bare Temporal, ${escape(report.at)}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="20" font-size="14" font-weight="bold">Latency in ms, log scale: p50 (dark) and p99 (light); ${escape(report.at)}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${left + scale(t)}" y1="${top - 8}" x2="${left + scale(t)}" y2="${height - 30}" stroke="#ddd"/><text x="${left + scale(t)}" y="${height - 14}" text-anchor="middle">${t}</text>`,
    ),
    ...bars.map((b, k) => {
      const y = top + k * row;
      const colour = b.system === 'service' ? ['#1d70b8', '#9dc3e6'] : ['#505a5f', '#c4c9cc'];
      return [
        `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(b.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${scale(b.p99).toFixed(1)}" height="18" fill="${colour[1]}"><title>p99 ${number(b.p99)} ms</title></rect>`,
        `<rect x="${left}" y="${y + 4}" width="${scale(b.p50).toFixed(1)}" height="10" fill="${colour[0]}"><title>p50 ${number(b.p50)} ms</title></rect>`,
        `<text x="${left + scale(b.p99) + 6}" y="${y + 13}">${number(b.p50)} / ${number(b.p99)}</text>`,
      ].join('');
    }),
    '</svg>',
    '',
  ].join('\n');
}
