import type { JobDocument } from '@monque/core';
import { createJobDocument } from '@monque/core/testing';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatValue } from '../src/html/format.js';
import { html, joinHtml } from '../src/html/html.js';
import { renderJobFigures } from '../src/pages/job-detail.js';
import { parseDataCondition, parseJobQuery } from '../src/pages/job-query.js';
import { followingRuns, schedulesPage } from '../src/pages/schedules.js';

const context = { basePath: '/q', title: 'Monque', readOnly: false, collectionName: 'jobs' };

describe('schedules', () => {
  it('computes the runs after the stored next run in the job’s time zone', () => {
    const job = createJobDocument({
      name: 'standup-reminder',
      repeatInterval: '0 9 * * MON-FRI',
      timezone: 'Europe/Berlin',
      nextRunAt: new Date('2026-03-27T08:00:00Z'), // Friday 09:00 in Berlin (CET)
    });
    // Berlin moves to summer time on Sunday 29 March: 09:00 is then 07:00 UTC.
    expect(followingRuns(job)).toEqual([
      new Date('2026-03-30T07:00:00Z'),
      new Date('2026-03-31T07:00:00Z'),
      new Date('2026-04-01T07:00:00Z'),
    ]);
    const page = schedulesPage(context, [job], undefined).toString();
    expect(page).toContain('<code>0 9 * * MON-FRI</code>');
    expect(page).toContain('<td>Europe/Berlin</td>');
    expect(page).toContain('<time datetime="2026-03-30T07:00:00.000Z">2026-03-30 07:00:00Z</time>');
  });

  it('says why the runs cannot be computed for a cron it cannot read', () => {
    const job = createJobDocument({ repeatInterval: '61 * * * *' });
    expect(followingRuns(job)).toMatch(/field 1 \(minute\) value 61 is out of range 0–59/);
    expect(schedulesPage(context, [job], undefined).toString()).toContain('class="error-text"');
  });
});

describe('job detail', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const minutesAgo = (minutes: number): Date => new Date(now.getTime() - minutes * 60_000);
  const render = (fields: Partial<JobDocument>): string =>
    renderJobFigures(context, createJobDocument(fields), new Set(), now).toString();
  const section = (page: string, heading: string): string =>
    page.split(`<h2 id="${heading}">`)[1]?.split('</section>')[0] ?? '';

  it('shows what the runs left: last failure, progress, result and the runs, newest first', () => {
    const page = render({
      status: 'processing',
      failCount: 1,
      failReason: 'gateway timeout',
      lastFailure: { reason: 'gateway timeout', at: minutesAgo(5), attempt: 1 },
      progress: 42.5,
      result: null,
      timeout: 90_000,
      expireAt: new Date('2026-03-08T12:00:00Z'),
      cancelRequestedAt: minutesAgo(0.5),
      history: [
        {
          attempt: 1,
          outcome: 'failed',
          claimedAt: minutesAgo(6),
          endedAt: minutesAgo(5),
          reason: 'gateway timeout',
        },
        {
          attempt: 2,
          outcome: 'completed',
          claimedAt: minutesAgo(3),
          endedAt: new Date(minutesAgo(3).getTime() + 1500),
          reason: null,
        },
      ],
    });
    const failure = section(page, 'failure-heading');
    expect(failure).toContain(
      'Attempt <span data-field="attempt">1</span>, at <time datetime="2026-03-01T11:55:00.000Z">2026-03-01 11:55:00Z</time> <span class="muted">(5 min ago)</span>',
    );
    expect(failure).toContain('<p class="failure-reason">gateway timeout</p>');
    expect(section(page, 'progress-heading')).toContain(
      '<progress id="progress-bar" max="100" value="42.5" aria-labelledby="progress-heading">42.5 %</progress>',
    );
    expect(section(page, 'result-heading')).toContain('<pre class="value" tabindex="0">null</pre>');
    const runs = section(page, 'history-heading');
    expect([...runs.matchAll(/<th scope="row" class="num">(\d+)<\/th>/g)].map((m) => m[1])).toEqual(
      ['2', '1'],
    );
    expect(runs).toContain('<td class="num">1.5 s</td>');
    expect(runs).toContain('<span class="status status-failed">failed</span>');
    expect(runs).toContain('<td class="reason">gateway timeout</td>');
    expect(page).toContain('<span data-field="timeout">1 min 30 s</span>');
    expect(page).toContain(
      '<span data-field="expire-at"><time datetime="2026-03-08T12:00:00.000Z">2026-03-08 12:00:00Z</time> <span class="muted">(in 7 d)</span></span>',
    );
    expect(page).toContain('<dt>Cancel requested</dt>');
  });

  it('shows a progress document as it is, and what is missing as missing', () => {
    const page = render({ progress: { stage: 'upload', done: 3 } });
    expect(section(page, 'progress-heading')).toContain('&quot;stage&quot;: &quot;upload&quot;');
    expect(section(page, 'progress-heading')).not.toContain('<progress');
    expect(section(page, 'result-heading')).toContain('No result recorded.');
    expect(section(page, 'history-heading')).toContain('No run has ended yet.');
    expect(page).not.toContain('failure-heading');
    expect(page).not.toContain('Cancel requested');
    expect(page).toContain('<dt>Expires</dt><dd>—</dd>');
  });

  it('shows fields written in another shape as values, without failing', () => {
    const page = render({
      failReason: 'written before lastFailure existed',
      progress: 250,
      history: ['not a run', { attempt: 'x', outcome: 7 }] as unknown as JobDocument['history'],
    });
    expect(section(page, 'failure-heading')).toContain(
      '<p class="failure-reason">written before lastFailure existed</p>',
    );
    expect(section(page, 'failure-heading')).not.toContain('Attempt');
    expect(section(page, 'progress-heading')).toContain(
      '<pre class="value" tabindex="0">250</pre>',
    );
    const runs = section(page, 'history-heading');
    expect(runs).toContain('<td colspan="6"><code>&quot;not a run&quot;</code></td>');
    expect(runs).toContain('<th scope="row" class="num">x</th>\n<td>7</td>');
  });
});

describe('jobs page query', () => {
  it('builds the filter from the form', () => {
    const query = parseJobQuery(
      new URLSearchParams(
        'name=send-email&status=failed&status=pending&range=updatedAt&from=2026-01-01T00:00&to=2026-01-02T12:30:15&data=customer.id%3D42&data=plan%3D%2242%22&data=vip%3Dtrue&order=nextRunAt&limit=25&cursor=abc',
      ),
    );
    expect(query.problems).toEqual([]);
    expect(query.filter).toEqual({
      name: 'send-email',
      status: ['failed', 'pending'],
      updatedAt: { from: new Date('2026-01-01T00:00Z'), to: new Date('2026-01-02T12:30:15Z') },
      data: { 'customer.id': 42, plan: '42', vip: true },
    });
    expect(query.options).toEqual({ limit: 25, order: 'nextRunAt', cursor: 'abc' });
  });

  it('reports what it cannot read instead of searching', () => {
    const query = parseJobQuery(
      new URLSearchParams('status=queued&from=yesterday&data=novalue&order=random'),
    );
    expect(query.problems).toEqual([
      'unknown status "queued"',
      '"from" must be a date and time such as 2026-01-31T12:00',
      'data condition "novalue" must look like field.path=value',
      'unknown order "random"',
    ]);
  });

  it('reads data values as JSON scalars, anything else as text', () => {
    expect(parseDataCondition('a=1.5')).toEqual({ path: 'a', value: 1.5 });
    expect(parseDataCondition('a=null')).toEqual({ path: 'a', value: null });
    expect(parseDataCondition('a="x=y"')).toEqual({ path: 'a', value: 'x=y' });
    expect(parseDataCondition('a=ada@example.com')).toEqual({
      path: 'a',
      value: 'ada@example.com',
    });
    expect(parseDataCondition('a={"$ne":null}')).toEqual({ path: 'a', value: '{"$ne":null}' });
    expect(parseDataCondition('=1')).toBe('data condition "=1" must look like field.path=value');
  });
});

describe('formatting', () => {
  it('spells durations for people', () => {
    expect([850, 12_340, 245_000, 12_000_000, 190_000_000, -1500].map(formatDuration)).toEqual([
      '850 ms',
      '12.3 s',
      '4 min 5 s',
      '3 h 20 min',
      '2 d 4 h',
      '−1.5 s',
    ]);
  });

  it('shows stored values with their types, and keys as data', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "list": [1, "two"]}') as unknown;
    expect(formatValue({ at: new Date('2026-01-01T00:00:00Z'), value })).toBe(
      [
        '{',
        '  "at": Date(2026-01-01T00:00:00.000Z),',
        '  "value": {',
        '    "__proto__": {',
        '      "polluted": true',
        '    },',
        '    "list": [',
        '      1,',
        '      "two"',
        '    ]',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('escapes text but not markup made by templates', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${['<', 1, null, false]}</p>`.toString()).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;1</p>',
    );
    expect(joinHtml(['a<', html`<br>`], ', ').toString()).toBe('a&lt;, <br>');
  });
});
