import { createJobDocument } from '@monque/core/testing';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatValue } from '../src/html/format.js';
import { html, joinHtml } from '../src/html/html.js';
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
