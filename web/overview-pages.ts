import { Router } from 'express';
import { z } from 'zod';
import { dateTimeInWords } from '../workflows/common/format';
import { labelOf } from './forms';
import { onlyFor, type PageDeps } from './pages';

interface Overview {
  council: string;
  kinds: { kind: string; name: string; stages: { stage: string; active: number; ended: number }[] }[];
  overdueByRole: { role: string; tasks: number }[];
  incidents: { processId: string; title: string; kind: string; activity: string; message: string; since: string }[];
  quiet: { days: number; processes: { processId: string; title: string; kind: string; stage: string; updatedAt: string }[] };
}

// The chart's geometry, in SVG user units: a row per stage, its label, its bar, its figure.
const CHART = { width: 560, labelWidth: 250, barGap: 10, figureWidth: 44, rowHeight: 36, barHeight: 24, top: 6 };

/** A horizontal bar chart of a kind's active processes per stage, laid out for the page's SVG. */
export function barChart(rows: { label: string; value: number }[]) {
  const longest = Math.max(1, ...rows.map((r) => r.value));
  const barSpace = CHART.width - CHART.labelWidth - CHART.barGap - CHART.figureWidth;
  return {
    width: CHART.width,
    height: CHART.top * 2 + rows.length * CHART.rowHeight,
    labelX: CHART.labelWidth,
    barX: CHART.labelWidth + CHART.barGap,
    bars: rows.map((r, index) => {
      const y = CHART.top + index * CHART.rowHeight;
      const width = Math.round((r.value / longest) * barSpace);
      return {
        label: r.label,
        value: r.value,
        y,
        textY: y + CHART.barHeight / 2 + 6,
        height: CHART.barHeight,
        width,
        figureX: CHART.labelWidth + CHART.barGap + width + 6,
      };
    }),
  };
}

/**
 * The programme overview for the council acted for, for its programme managers and auditors: per
 * process kind, a chart of how many processes stand at each stage (server-rendered SVG, the same
 * figures in a table beside it), overdue tasks by role, the incidents with what failed and since when,
 * and the processes with nothing happening for a long time. From the API's overview.
 */
export function overviewPages(deps: PageDeps): Router {
  const { api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();

  router.get(
    '/overview',
    signedIn,
    onlyFor(deps, ['programme_manager', 'auditor'], 'the council’s programme managers and auditors'),
    (req, res, next) => {
      const person = req.session.person!;
      const quietDays = z.coerce
        .number()
        .int()
        .min(1)
        .max(3_650)
        .catch(28)
        .parse(req.query.quiet ?? 28);
      api
        .get<Overview>(person.token, `/councils/${encodeURIComponent(person.actingFor)}/overview?quiet_days=${quietDays}`)
        .then((overview) => {
          const processHref = (id: string) => `${webPath}/processes/${encodeURIComponent(id)}`;
          res.send(
            render('overview.njk', {
              person,
              csrfToken: csrfToken(req),
              councilName: person.councils.find((c) => c.slug === person.actingFor)?.name ?? person.actingFor,
              kinds: overview.kinds.map((k) => ({
                ...k,
                total: k.stages.reduce((sum, s) => sum + s.active + s.ended, 0),
                stages: k.stages.map((s) => ({ ...s, label: labelOf(s.stage) })),
                chart: barChart(k.stages.map((s) => ({ label: labelOf(s.stage), value: s.active }))),
                // Find processes at a stage: the list, filtered.
                findHref: (stage: string) => `${webPath}/processes?kind=${k.kind}&stage=${stage}&status=active`,
              })),
              overdueByRole: overview.overdueByRole.map((r) => ({ ...r, role: labelOf(r.role) })),
              incidents: overview.incidents.map((i) => ({ ...i, href: processHref(i.processId), since: dateTimeInWords(i.since) })),
              quiet: {
                days: overview.quiet.days,
                processes: overview.quiet.processes.map((p) => ({
                  ...p,
                  href: processHref(p.processId),
                  stage: labelOf(p.stage),
                  updatedAt: dateTimeInWords(p.updatedAt),
                })),
              },
            }),
          );
        })
        .catch(next);
    },
  );

  return router;
}
