import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PirschClient } from '../client.js';
import type { ApiRequest } from '../types.js';
import { createApi, type PirschApi } from './index.js';

/**
 * The client against the current API document (`api-v1.md` beside this file, a copy of Pirsch's
 * docs as of July 2026, so CI needs nothing outside the repository):
 *
 * - every client method is called, over real HTTP, against the emulator and against a bare
 *   loopback recorder, and the request it sent (method, path, query, body) is checked against
 *   the document. The emulator checks what it recorded whatever it answered (before the emulator
 *   serves an endpoint it answers 404, and still records the request); the recorder also sees
 *   repeated parameters (`?path=/a&path=/b`, which the emulator's record folds into one) and bodies;
 * - every method the emulator serves gets a 2xx from it (with ids of objects it holds), and those
 *   it does not serve are listed with the reason (NOT_SERVED), so the two cannot drift apart;
 * - every endpoint of the document is either called by a method here or left out for a stated
 *   reason, so a new endpoint in the document fails this test until it is added.
 */

// --- The document ---------------------------------------------------------------------------------

const DOCUMENT = readFileSync(new URL('./api-v1.md', import.meta.url), 'utf8');

/** Every `METHOD /api/v1/...` the document names, in prose (`GET https://api.pirsch.io/...`) or in code blocks. */
function documentedEndpoints(text: string): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(/^`?(GET|POST|PUT|DELETE) (?:https:\/\/api\.pirsch\.io)?(\/api\/v1\/[^\s?`]*)/gm)) {
    found.add(`${match[1]} ${match[2]}`);
  }
  return found;
}

/**
 * Endpoints the client has no method for, and why. Prefixes end with `/` or are whole paths.
 * Everything else the document names must be called by a case below.
 */
const LEFT_OUT: [pattern: RegExp, reason: string][] = [
  [/^POST \/api\/v1\/token$/, 'authentication: the client gets and renews its token itself'],
  [/^POST \/api\/v1\/(hit|event|session)(\/batch)?$/, 'delivery: client.hit(), client.event() and client.session() queue and batch these'],
  [/^(GET|POST|PUT|DELETE) \/api\/v1\/user(\/|$)/, "the user account: needs the user's own login"],
  [/^(GET|POST|PUT|DELETE) \/api\/v1\/organization(\/|$)/, "organizations: belong to a user's own login"],
  [/^(GET|POST|PUT|DELETE) \/api\/v1\/theme(\/|$)/, "themes: belong to a user or an organization (the user's own login)"],
  [/^POST \/api\/v1\/domain\/theme$/, 'dashboard theme settings: a multipart form with logo and favicon files, made in the dashboard'],
  [/^POST \/api\/v1\/invitation$/, "accepting an invitation: only the invited user's own login can"],
  [/^GET \/api\/v1\/billing$/, "billing: the usage of the whole account, the user's own login"],
  [/^(GET|POST|DELETE) \/api\/v1\/(import|google\/import)(\/|$)/, 'imports and Google linking: the user links their own Google account in the dashboard'],
];

/** Where the document's path is a slip (API-NOTES.md): the client calls the right one instead. */
const SLIPS: Record<string, string> = {
  // "Operating System Version" repeats `GET /api/v1/statistics/os`.
  'GET /api/v1/statistics/os/version': 'GET /api/v1/statistics/os',
};

// --- What each method must send ------------------------------------------------------------------

interface Sent {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Query parameters; an array is the parameter repeated. */
  query?: Record<string, string | string[]>;
  body?: unknown;
}

type Case = [name: string, run: (client: PirschApi) => Promise<unknown>, sent: Sent];

const D = 'dom1';
const RANGE = { id: D, from: '2024-05-01', to: new Date('2024-05-08T12:00:00Z') };
const RANGE_QUERY = { id: D, from: '2024-05-01', to: '2024-05-08' };

/** The statistics calls: each with the range and what the endpoint needs on top. */
const STATISTICS: [method: string, path: string, extra?: Record<string, string>][] = [
  ['sessionDuration', 'duration/session'],
  ['timeOnPage', 'duration/page'],
  ['utmSource', 'utm/source'],
  ['utmMedium', 'utm/medium'],
  ['utmCampaign', 'utm/campaign'],
  ['utmContent', 'utm/content'],
  ['utmTerm', 'utm/term'],
  ['total', 'total'],
  ['visitors', 'visitor'],
  ['hostnames', 'hostname'],
  ['pages', 'page'],
  ['entryPages', 'page/entry'],
  ['exitPages', 'page/exit'],
  ['eventPages', 'event/page', { event: 'Signup' }],
  ['conversionGoals', 'goals'],
  ['events', 'events'],
  ['eventMetadata', 'event/meta', { event: 'Signup', event_meta_key: 'plan' }],
  ['listEvents', 'event/list'],
  ['growth', 'growth'],
  ['activeVisitors', 'active'],
  ['timeOfDay', 'hours'],
  ['minutes', 'minutes', { from_time: '12:34', to_time: '15:07' }],
  ['weekdays', 'weekdays'],
  ['languages', 'language'],
  ['referrers', 'referrer'],
  ['channels', 'channel'],
  ['os', 'os'],
  ['osVersions', 'os/version'],
  ['browsers', 'browser'],
  ['browserVersions', 'browser/version'],
  ['countries', 'country'],
  ['regions', 'region'],
  ['cities', 'city'],
  ['platforms', 'platform'],
  ['screenClasses', 'screen'],
  ['tags', 'tags'],
  ['tagDetails', 'tag/details', { tag: 'author' }],
  ['funnel', 'funnel', { funnel_id: 'fun1' }],
  ['sessions', 'session/list'],
  ['sessionDetails', 'session/details', { visitor_id: '18446744073709551615', session_id: '4242' }],
  ['keywords', 'keywords'],
  ['keywordPages', 'pages', { keyword: 'analytics' }],
];

const OPTIONS: [method: string, path: string, extra?: Record<string, string>][] = [
  ['hostnames', 'hostname'],
  ['pages', 'page'],
  ['referrers', 'referrer'],
  ['referrerNames', 'referrer/name'],
  ['channels', 'channel'],
  ['events', 'event'],
  ['countries', 'country'],
  ['regions', 'region'],
  ['cities', 'city'],
  ['languages', 'language'],
  ['browsers', 'browser'],
  ['os', 'os'],
  ['metadataKeys', 'metadata/keys'],
  ['metadata', 'metadata', { event: 'Signup', event_meta_key: 'plan' }],
  ['utmSources', 'utm/source'],
  ['utmMediums', 'utm/medium'],
  ['utmCampaigns', 'utm/campaign'],
  ['utmContents', 'utm/content'],
  ['utmTerms', 'utm/term'],
  ['tags', 'tag'],
  ['tagValues', 'tag/value', { tag: 'author' }],
];

type AnyCall = (filter: object) => Promise<unknown>;
const method = (group: object, name: string): AnyCall => {
  const call = (group as Record<string, AnyCall | undefined>)[name];
  if (typeof call !== 'function') throw new Error(`no method ${name}`);
  return call;
};

const CASES: Case[] = [
  ...STATISTICS.map(([name, path, extra = {}]): Case => [
    `statistics.${name}`,
    (client) => method(client.statistics, name)({ ...RANGE, ...extra }),
    { method: 'GET', path: `/api/v1/statistics/${path}`, query: { ...RANGE_QUERY, ...extra } },
  ]),
  ['statistics.overview', (client) => client.statistics.overview({ id: D }), { method: 'GET', path: '/api/v1/statistics/overview', query: { id: D } }],
  ...OPTIONS.map(([name, path, extra = {}]): Case => [
    `statistics.options.${name}`,
    (client) => method(client.statistics.options, name)({ ...RANGE, search: 'a', ...extra }),
    { method: 'GET', path: `/api/v1/statistics/options/${path}`, query: { ...RANGE_QUERY, search: 'a', ...extra } },
  ]),
  [
    'statistics.exportCsv',
    (client) => client.statistics.exportCsv({ ...RANGE, pages: true, utm: true, tags: false }),
    { method: 'GET', path: '/api/v1/statistics', query: { ...RANGE_QUERY, pages: 'true', utm: 'true' } },
  ],
  [
    'statistics.delete',
    (client) => client.statistics.delete({ ...RANGE, kind: 'events' }),
    { method: 'DELETE', path: '/api/v1/statistics', body: { id: D, kind: 'events', from: '2024-05-01', to: '2024-05-08' } },
  ],

  ['domains.list', (client) => client.domains.list({ search: 'example' }), { method: 'GET', path: '/api/v1/domain', query: { search: 'example' } }],
  [
    'domains.create',
    (client) => client.domains.create({ hostname: 'a.example', subdomain: 'a', timezone: 'UTC', display_name: 'A', settings: { funnels: true } }),
    { method: 'POST', path: '/api/v1/domain', body: { hostname: 'a.example', subdomain: 'a', timezone: 'UTC', display_name: 'A', settings: { funnels: true } } },
  ],
  ['domains.delete', (client) => client.domains.delete('gone'), { method: 'DELETE', path: '/api/v1/domain', query: { id: 'gone' } }],
  ['domains.resetIdentificationCode', (client) => client.domains.resetIdentificationCode('gone'), { method: 'PUT', path: '/api/v1/domain', body: { id: 'gone' } }],
  ['domains.updateHostname', (client) => client.domains.updateHostname(D, 'b.example'), { method: 'POST', path: '/api/v1/domain/hostname', body: { domain_id: D, hostname: 'b.example' } }],
  ['domains.updateSubdomain', (client) => client.domains.updateSubdomain(D, 'b'), { method: 'POST', path: '/api/v1/domain/subdomain', body: { domain_id: D, subdomain: 'b' } }],
  ['domains.updateDisplayName', (client) => client.domains.updateDisplayName(D, 'B'), { method: 'POST', path: '/api/v1/domain/name', body: { domain_id: D, display_name: 'B' } }],
  ['domains.togglePublic', (client) => client.domains.togglePublic(D), { method: 'POST', path: '/api/v1/domain/public', body: { domain_id: D } }],
  ['domains.toggleScripts', (client) => client.domains.toggleScripts(D), { method: 'POST', path: '/api/v1/domain/scripts', body: { domain_id: D } }],
  ['domains.toggleGroupByTitle', (client) => client.domains.toggleGroupByTitle(D), { method: 'POST', path: '/api/v1/domain/title', body: { domain_id: D } }],
  ['domains.toggleStartWeekSunday', (client) => client.domains.toggleStartWeekSunday(D), { method: 'POST', path: '/api/v1/domain/start-week-sunday', body: { domain_id: D } }],
  ['domains.updateActiveVisitorsTime', (client) => client.domains.updateActiveVisitorsTime(D, 123), { method: 'POST', path: '/api/v1/domain/active', body: { domain_id: D, time: 123 } }],
  ['domains.updateTimezone', (client) => client.domains.updateTimezone(D, 'Asia/Tokyo'), { method: 'POST', path: '/api/v1/domain/timezone', body: { domain_id: D, timezone: 'Asia/Tokyo' } }],
  [
    'domains.updateSettings',
    (client) => client.domains.updateSettings(D, { pages: true, pages_public: false }),
    { method: 'POST', path: '/api/v1/domain/settings', body: { domain_id: D, settings: { pages: true, pages_public: false } } },
  ],
  ['domains.updateMetadata', (client) => client.domains.updateMetadata(D, { team: 'web' }), { method: 'POST', path: '/api/v1/domain/metadata', body: { domain_id: D, metadata: { team: 'web' } } }],
  ['domains.toggleNoindex', (client) => client.domains.toggleNoindex(D), { method: 'PUT', path: '/api/v1/domain/noindex', body: { domain_id: D } }],
  ['domains.setTheme', (client) => client.domains.setTheme(D, 'theme1'), { method: 'PUT', path: '/api/v1/domain/theme', body: { domain_id: D, theme_id: 'theme1' } }],
  ['domains.setCustomDomain', (client) => client.domains.setCustomDomain(D, 'stats.example'), { method: 'POST', path: '/api/v1/domain/custom', body: { domain_id: D, hostname: 'stats.example' } }],
  ['domains.customDomainExists', (client) => client.domains.customDomainExists('stats.example'), { method: 'GET', path: '/api/v1/domain/custom', query: { domain: 'stats.example' } }],

  ['accessLinks.list', (client) => client.accessLinks.list(D), { method: 'GET', path: '/api/v1/domain/link', query: { domain_id: D } }],
  [
    'accessLinks.create',
    (client) => client.accessLinks.create({ domain_id: D, description: 'board', valid_until: '2030-10-01T00:00:00Z' }),
    { method: 'POST', path: '/api/v1/domain/link', body: { domain_id: D, description: 'board', valid_until: '2030-10-01T00:00:00Z' } },
  ],
  [
    'accessLinks.update',
    (client) => client.accessLinks.update({ id: 'gone', description: 'tv', valid_until: null }),
    { method: 'PUT', path: '/api/v1/domain/link', body: { id: 'gone', description: 'tv', valid_until: null } },
  ],
  ['accessLinks.delete', (client) => client.accessLinks.delete('gone'), { method: 'DELETE', path: '/api/v1/domain/link', query: { id: 'gone' } }],

  ['members.list', (client) => client.members.list(D), { method: 'GET', path: '/api/v1/member', query: { id: D } }],
  ['members.invite', (client) => client.members.invite(D, ['a@example.com']), { method: 'POST', path: '/api/v1/member', body: { id: D, emails: ['a@example.com'] } }],
  ['members.updateRole', (client) => client.members.updateRole('gone', 'admin'), { method: 'PUT', path: '/api/v1/member', body: { id: 'gone', role: 'admin' } }],
  ['members.remove', (client) => client.members.remove('gone'), { method: 'DELETE', path: '/api/v1/member', query: { id: 'gone' } }],
  ['invitations.list', (client) => client.invitations.list(D), { method: 'GET', path: '/api/v1/invitation', query: { domain_id: D } }],
  ['invitations.delete', (client) => client.invitations.delete('inv1', D), { method: 'DELETE', path: '/api/v1/invitation', body: { id: 'inv1', domain_id: D } }],

  ['clients.list', (client) => client.clients.list(D), { method: 'GET', path: '/api/v1/client', query: { id: D } }],
  [
    'clients.create',
    (client) => client.clients.create({ domain_id: D, type: 'oauth', description: 'ci', scope_statistics: 'r', scope_session: 'w' }),
    { method: 'POST', path: '/api/v1/client', body: { domain_id: D, type: 'oauth', description: 'ci', scope_statistics: 'r', scope_session: 'w' } },
  ],
  ['clients.update', (client) => client.clients.update({ id: 'gone', description: 'cd' }), { method: 'POST', path: '/api/v1/client', body: { id: 'gone', description: 'cd' } }],
  ['clients.delete', (client) => client.clients.delete('gone'), { method: 'DELETE', path: '/api/v1/client', query: { id: 'gone' } }],

  ['reports.list', (client) => client.reports.list(D), { method: 'GET', path: '/api/v1/report', query: { id: D } }],
  [
    'reports.create',
    (client) => client.reports.create({ domain_id: D, emails: ['a@example.com'], interval: 0, link_to: 'public', start_date: '2026-02-16', top_pages: true }),
    { method: 'POST', path: '/api/v1/report', body: { domain_id: D, emails: ['a@example.com'], interval: 0, link_to: 'public', start_date: '2026-02-16', top_pages: true } },
  ],
  [
    'reports.update',
    (client) => client.reports.update({ id: 'gone', interval: 4, reply_to: 'r@example.com' }),
    { method: 'PUT', path: '/api/v1/report', body: { id: 'gone', interval: 4, reply_to: 'r@example.com' } },
  ],
  ['reports.delete', (client) => client.reports.delete('gone'), { method: 'DELETE', path: '/api/v1/report', query: { id: 'gone' } }],

  ['goals.list', (client) => client.goals.list(D, { search: 'buy' }), { method: 'GET', path: '/api/v1/goal', query: { id: D, search: 'buy' } }],
  [
    'goals.create',
    (client) =>
      client.goals.create({ domain_id: D, name: 'Paid', path_pattern: null, event_name: 'Purchase', event_meta_key: 'currency', event_meta_value: 'USD', custom_metric_key: 'amount', custom_metric_type: 'float', custom_metric_total_goal: 346 }),
    {
      method: 'POST',
      path: '/api/v1/goal',
      body: { domain_id: D, name: 'Paid', path_pattern: null, event_name: 'Purchase', event_meta_key: 'currency', event_meta_value: 'USD', custom_metric_key: 'amount', custom_metric_type: 'float', custom_metric_total_goal: 346 },
    },
  ],
  [
    'goals.update',
    (client) => client.goals.update({ id: 'gone', domain_id: D, name: 'Blog', path_pattern: '/blog/**', tags: ['author=John'] }),
    { method: 'PUT', path: '/api/v1/goal', body: { id: 'gone', domain_id: D, name: 'Blog', path_pattern: '/blog/**', tags: ['author=John'] } },
  ],
  ['goals.delete', (client) => client.goals.delete('gone'), { method: 'DELETE', path: '/api/v1/goal', query: { id: 'gone' } }],
  [
    'goals.testRegex',
    (client) => client.goals.testRegex({ regex: '(?i)^/blog/[^/]*$', sample: '/blog/a' }),
    { method: 'POST', path: '/api/v1/goal/regex', body: { regex: '(?i)^/blog/[^/]*$', sample: '/blog/a' } },
  ],

  ['funnels.list', (client) => client.funnels.list(D), { method: 'GET', path: '/api/v1/funnel', query: { id: D } }],
  [
    'funnels.create',
    (client) => client.funnels.create({ domain_id: D, name: 'Signup', steps: [{ name: 'Home', filter: { path: ['/'] } }, { name: 'Done', filter: { event_name: ['Signup'] } }] }),
    { method: 'POST', path: '/api/v1/funnel', body: { domain_id: D, name: 'Signup', steps: [{ name: 'Home', filter: { path: ['/'] } }, { name: 'Done', filter: { event_name: ['Signup'] } }] } },
  ],
  [
    'funnels.update',
    (client) => client.funnels.update({ id: 'gone', domain_id: D, name: 'Signup', steps: [{ name: 'Pricing', filter: { path: ['/pricing'] } }, { name: 'Done', filter: { event_name: ['Signup'] } }] }),
    {
      method: 'POST',
      path: '/api/v1/funnel',
      body: { id: 'gone', domain_id: D, name: 'Signup', steps: [{ name: 'Pricing', filter: { path: ['/pricing'] } }, { name: 'Done', filter: { event_name: ['Signup'] } }] },
    },
  ],
  ['funnels.delete', (client) => client.funnels.delete('gone'), { method: 'DELETE', path: '/api/v1/funnel', query: { id: 'gone' } }],
  ['funnels.tags', (client) => client.funnels.tags(D, { search: 'te' }), { method: 'GET', path: '/api/v1/funnel/tags', query: { id: D, search: 'te' } }],

  ['webhooks.list', (client) => client.webhooks.list(D), { method: 'GET', path: '/api/v1/webhook', query: { domain_id: D } }],
  [
    'webhooks.create',
    (client) => client.webhooks.create({ domain_id: D, description: 'd', event: 'Signup', endpoint: 'https://hooks.example/x' }),
    { method: 'POST', path: '/api/v1/webhook', body: { domain_id: D, description: 'd', event: 'Signup', endpoint: 'https://hooks.example/x' } },
  ],
  [
    'webhooks.update',
    (client) => client.webhooks.update({ id: 'gone', domain_id: D, description: 'd', event: 'Signup', endpoint: 'https://hooks.example/y' }),
    { method: 'POST', path: '/api/v1/webhook', body: { id: 'gone', domain_id: D, description: 'd', event: 'Signup', endpoint: 'https://hooks.example/y' } },
  ],
  ['webhooks.delete', (client) => client.webhooks.delete('gone'), { method: 'DELETE', path: '/api/v1/webhook', query: { id: 'gone' } }],

  ['trafficFilters.list', (client) => client.trafficFilters.list(D), { method: 'GET', path: '/api/v1/filter', query: { domain_id: D } }],
  [
    'trafficFilters.create',
    (client) => client.trafficFilters.create({ domain_id: D, type: 'ip', description: 'office', filter: '203.0.113.7' }),
    { method: 'POST', path: '/api/v1/filter', body: { domain_id: D, type: 'ip', description: 'office', filter: '203.0.113.7' } },
  ],
  [
    'trafficFilters.update',
    (client) => client.trafficFilters.update({ id: 'gone', domain_id: D, type: 'ip', description: 'office', filter: '203.0.113.8' }),
    { method: 'POST', path: '/api/v1/filter', body: { id: 'gone', domain_id: D, type: 'ip', description: 'office', filter: '203.0.113.8' } },
  ],
  ['trafficFilters.delete', (client) => client.trafficFilters.delete('gone'), { method: 'DELETE', path: '/api/v1/filter', query: { id: 'gone' } }],

  ['trafficSpikes.toggle', (client) => client.trafficSpikes.toggle(D), { method: 'PUT', path: '/api/v1/traffic/spike', body: { domain_id: D } }],
  ['trafficSpikes.configure', (client) => client.trafficSpikes.configure(D, 100), { method: 'POST', path: '/api/v1/traffic/spike', body: { domain_id: D, threshold: 100 } }],
  ['trafficWarnings.toggle', (client) => client.trafficWarnings.toggle(D), { method: 'PUT', path: '/api/v1/traffic/warning', body: { domain_id: D } }],
  ['trafficWarnings.configure', (client) => client.trafficWarnings.configure(D, 5), { method: 'POST', path: '/api/v1/traffic/warning', body: { domain_id: D, threshold: 5 } }],

  ['alternativeDomains.list', (client) => client.alternativeDomains.list(D), { method: 'GET', path: '/api/v1/domain/alternative', query: { domain_id: D } }],
  [
    'alternativeDomains.create',
    (client) => client.alternativeDomains.create({ domain_id: D, hostname: 'alt.example' }),
    { method: 'POST', path: '/api/v1/domain/alternative', body: { domain_id: D, hostname: 'alt.example' } },
  ],
  [
    'alternativeDomains.update',
    (client) => client.alternativeDomains.update({ id: 'gone', hostname: 'alt2.example' }),
    { method: 'PUT', path: '/api/v1/domain/alternative', body: { id: 'gone', hostname: 'alt2.example' } },
  ],
  ['alternativeDomains.delete', (client) => client.alternativeDomains.delete('gone'), { method: 'DELETE', path: '/api/v1/domain/alternative', query: { id: 'gone' } }],

  ['snippets.get', (client) => client.snippets.get(D, 'page view'), { method: 'GET', path: '/api/v1/domain/snippet', query: { domain_id: D, type: 'page view' } }],
  [
    'snippets.update',
    (client) => client.snippets.update({ domain_id: D, type: 'event', dev: true, exclude: '/admin/.*' }),
    { method: 'POST', path: '/api/v1/domain/snippet', body: { domain_id: D, type: 'event', dev: true, exclude: '/admin/.*' } },
  ],

  ['views.list', (client) => client.views.list(D, { search: 'My View' }), { method: 'GET', path: '/api/v1/view', query: { domain_id: D, search: 'My View' } }],
  [
    'views.create',
    (client) => client.views.create({ domain_id: D, name: 'Blog', path: ['/blog'], period: 5 }),
    { method: 'POST', path: '/api/v1/view', body: { domain_id: D, name: 'Blog', path: ['/blog'], period: 5 } },
  ],
  [
    'views.update',
    (client) => client.views.update({ id: 'gone', domain_id: D, name: 'Blog', country: ['de'] }),
    { method: 'POST', path: '/api/v1/view', body: { id: 'gone', domain_id: D, name: 'Blog', country: ['de'] } },
  ],
  ['views.delete', (client) => client.views.delete('gone'), { method: 'DELETE', path: '/api/v1/view', query: { id: 'gone' } }],

  ['shortLinks.list', (client) => client.shortLinks.list(D), { method: 'GET', path: '/api/v1/link', query: { id: D } }],
  [
    'shortLinks.create',
    (client) => client.shortLinks.create({ domain_id: D, name: 'Launch', urls: [{ url: 'https://example.com/launch', country: 'gb' }] }),
    { method: 'POST', path: '/api/v1/link', body: { domain_id: D, name: 'Launch', urls: [{ url: 'https://example.com/launch', country: 'gb' }] } },
  ],
  [
    'shortLinks.update',
    (client) => client.shortLinks.update({ id: 'gone', domain_id: D, name: 'Launch', urls: [], clear_password: true }),
    { method: 'POST', path: '/api/v1/link', body: { id: 'gone', domain_id: D, name: 'Launch', urls: [], clear_password: true } },
  ],
  ['shortLinks.delete', (client) => client.shortLinks.delete('gone'), { method: 'DELETE', path: '/api/v1/link', query: { id: 'gone' } }],
  ['shortLinks.tags', (client) => client.shortLinks.tags(D, { search: 'x' }), { method: 'GET', path: '/api/v1/link/tags', query: { id: D, search: 'x' } }],
];

/** Every method of the client's API namespaces, as `group.method` (`statistics.options.pages`, ...). */
function apiMethods(client: PirschClient): string[] {
  const names: string[] = [];
  const walk = (prefix: string, value: object) => {
    for (const [key, member] of Object.entries(value)) {
      if (typeof member === 'function') names.push(`${prefix}${key}`);
      else if (typeof member === 'object' && member !== null) walk(`${prefix}${key}.`, member);
    }
  };
  const groups = Object.entries(client).filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value));
  for (const [group, value] of groups) walk(`${group}.`, value as object);
  return names;
}

/** The query a request carried, with repeated parameters as arrays. */
function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key);
    query[key] = all.length === 1 ? (all[0] ?? '') : all;
  }
  return query;
}

// --- The recorder: a bare loopback server that keeps every request as it came ---------------------

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: unknown;
}

/** Answers a token request with a token, `GET /api/v1/statistics` with zip bytes, and the rest with `[]` or `{}`, or with `answer` when it returns something. */
async function startRecorder(answer?: (request: Recorded) => unknown): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://recorder.invalid');
      const text = Buffer.concat(chunks).toString('utf8');
      if (url.pathname === '/api/v1/token') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ access_token: 'recorder-token', expires_at: new Date(Date.now() + 3600_000).toISOString() }));
        return;
      }
      const recorded: Recorded = { method: request.method ?? '', path: url.pathname, query: queryOf(url.searchParams), body: text === '' ? undefined : JSON.parse(text) };
      requests.push(recorded);
      if (recorded.method === 'GET' && recorded.path === '/api/v1/statistics') {
        response.setHeader('content-type', 'application/zip');
        response.end(ZIP);
        return;
      }
      const body = answer?.(recorded) ?? (recorded.method === 'GET' ? [] : {});
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

/** A zip's magic number and bytes that are no UTF-8 (a text decode would change them). */
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x0d]);

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

// --- Tests ----------------------------------------------------------------------------------------

/**
 * The endpoints the client's methods call, found by running every case on the mapping layer alone
 * (a requester that only keeps the request): a case whose method is missing adds nothing.
 */
async function calledEndpoints(): Promise<Set<string>> {
  const requests: ApiRequest[] = [];
  const api = createApi(async <T>(request: ApiRequest) => {
    requests.push(request);
    return (request.method === 'GET' ? [] : {}) as T;
  });
  for (const [, run] of CASES) await run(api).catch(() => undefined);
  return new Set(requests.map((request) => `${request.method} ${request.path}`));
}

describe('the current API document (api-v1.md)', () => {
  const documented = documentedEndpoints(DOCUMENT);
  let called = new Set<string>();
  beforeAll(async () => {
    called = await calledEndpoints();
  });
  /** Documented endpoints neither called by a case nor left out with a reason. */
  const uncovered = (endpoints: Set<string>) =>
    [...endpoints].filter((endpoint) => !called.has(endpoint) && !Object.values(SLIPS).includes(endpoint) && !LEFT_OUT.some(([pattern]) => pattern.test(endpoint)));

  it('is read in full: 43 statistics paths, 21 filter options, the export and delete, and the management endpoints', () => {
    const statistics = [...documented].filter((endpoint) => endpoint.startsWith('GET /api/v1/statistics/') && !endpoint.includes('/options/'));
    expect(statistics).toHaveLength(42); // os/version is documented as a second `os` (a slip)
    expect([...documented].filter((endpoint) => endpoint.includes('/statistics/options/'))).toHaveLength(21);
    expect(documented).toContain('GET /api/v1/statistics');
    expect(documented).toContain('DELETE /api/v1/statistics');
    expect(documented.size).toBeGreaterThan(180);
  });

  it('has a client method for every statistics path', () => {
    const statistics = [...documented].filter((endpoint) => / \/api\/v1\/statistics(\/|$)/.test(endpoint));
    expect(statistics.filter((endpoint) => !called.has(endpoint))).toEqual([]);
  });

  it('has a client method for every endpoint, except those left out with a reason', () => {
    expect(uncovered(documented)).toEqual([]);
    // Every reason is used: an endpoint that came back into reach is not silently still left out.
    for (const [pattern] of LEFT_OUT) expect([...documented].some((endpoint) => pattern.test(endpoint)), String(pattern)).toBe(true);
  });

  it('calls nothing the document does not name, except where the document slips (API-NOTES.md)', () => {
    expect([...called].filter((endpoint) => !documented.has(endpoint))).toEqual(Object.keys(SLIPS));
    for (const documentedAs of Object.values(SLIPS)) expect(documented).toContain(documentedAs);
  });

  it('a new endpoint in the document fails the check until a method calls it', () => {
    const newer = documentedEndpoints(`${DOCUMENT}\n### Bounce Reasons\n\n\`GET /api/v1/statistics/bounce/reasons\`\n`);
    expect(uncovered(newer)).toEqual(['GET /api/v1/statistics/bounce/reasons']);
  });
});

describe('every client method has a case', () => {
  it('and every case names a method of the client', () => {
    const client = createClient({ enabled: false });
    const methods = apiMethods(client).filter((name) => name !== 'paginate');
    expect(methods.sort()).toEqual(CASES.map(([name]) => name).sort());
  });
});

describe('every client method against the emulator: the request it recorded', () => {
  let emulator: PirschEmulator;
  let client: PirschClient;

  beforeAll(async () => {
    emulator = await createPirschEmulator();
    client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, maxRetries: 0 });
  });

  afterAll(async () => {
    await client?.close(1000);
    await emulator?.close();
  });

  it.each(CASES)('%s', async (_, run, sent) => {
    const before = emulator.requests.length;
    // The answer does not matter here (an endpoint the emulator does not serve yet is a 404): the request does.
    await run(client).catch(() => undefined);
    const requests = emulator.requests.slice(before).filter((request) => request.path !== '/api/v1/token');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    // The emulator's record keeps one value per parameter (the last one).
    const query = Object.fromEntries(Object.entries(sent.query ?? {}).map(([key, value]) => [key, Array.isArray(value) ? value.at(-1) : value]));
    expect({ method: request?.method, path: request?.path, query: request?.query }).toEqual({ method: sent.method, path: sent.path, query });
  });
});

/**
 * Methods the emulator does not serve (it answers 404), and why. Every other method must get a 2xx
 * from it, so the client and the emulator cannot drift apart silently: a method the emulator starts
 * to serve fails the test below until it leaves this list.
 */
const NOT_SERVED: Record<string, string> = {
  'shortLinks.list': 'short links: not emulated (redirects and their statistics need a public host)',
  'shortLinks.create': 'short links: not emulated',
  'shortLinks.update': 'short links: not emulated',
  'shortLinks.delete': 'short links: not emulated',
  'shortLinks.tags': 'short links: not emulated',
  'domains.setTheme': "themes belong to a user's own login, so the emulator has none to set",
};

/**
 * The ids the cases use stand for objects of the emulator's account: `dom1` for its domain, `gone`
 * for an object of the method's group, `inv1` an invitation and `fun1` a funnel. `prepare` makes a
 * fresh one for each call (a delete must not take the object a later case updates).
 */
type Prepare = (client: PirschApi, domainId: string) => Promise<string>;
const PREPARE: Record<string, Prepare> = {
  domains: async (client) => (await client.domains.create({ hostname: `d${++made}.example`, subdomain: `d${made}`, timezone: 'UTC' })).id,
  accessLinks: async (client, domainId) => (await client.accessLinks.create({ domain_id: domainId, description: 'board' })).id,
  members: async (client, domainId) => {
    await client.members.invite(domainId, [`m${++made}@example.com`]);
    const member = (await client.members.list(domainId)).find((candidate) => candidate.user.email === `m${made}@example.com`);
    if (!member) throw new Error('the invited member is not listed');
    return member.id;
  },
  invitations: async (client, domainId) => {
    await client.members.invite(domainId, [`i${++made}@example.com`]);
    const invitation = (await client.invitations.list(domainId)).find((candidate) => candidate.email === `i${made}@example.com`);
    if (!invitation) throw new Error('the invitation is not listed');
    return invitation.id;
  },
  clients: async (client, domainId) => (await client.clients.create({ domain_id: domainId, description: 'ci', scope_statistics: 'r' })).id,
  reports: async (client, domainId) => (await client.reports.create({ domain_id: domainId, emails: [`r${++made}@example.com`], interval: 1 }))[0]?.id ?? '',
  goals: async (client, domainId) => (await client.goals.create({ domain_id: domainId, name: 'Pricing', path_pattern: '/pricing' })).id,
  funnels: async (client, domainId) =>
    (await client.funnels.create({ domain_id: domainId, name: 'Signup', steps: [{ name: 'Home', filter: { path: ['/'] } }, { name: 'Done', filter: { event_name: ['Signup'] } }] })).id,
  webhooks: async (client, domainId) => (await client.webhooks.create({ domain_id: domainId, description: 'd', event: 'Signup', endpoint: 'https://hooks.example/x' })).id,
  trafficFilters: async (client, domainId) => (await client.trafficFilters.create({ domain_id: domainId, type: 'ip', description: 'office', filter: '203.0.113.7' })).id,
  alternativeDomains: async (client, domainId) => (await client.alternativeDomains.create({ domain_id: domainId, hostname: `alt${++made}.example` })).id,
  views: async (client, domainId) => (await client.views.create({ domain_id: domainId, name: `View ${++made}` })).id,
};
let made = 0;

/** `value` with every placeholder id replaced (strings, and strings inside arrays and objects). */
function withIds(value: unknown, ids: Record<string, string>): unknown {
  if (typeof value === 'string') return ids[value] ?? value;
  if (Array.isArray(value)) return value.map((entry) => withIds(entry, ids));
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withIds(entry, ids)]));
  }
  return value;
}

/** The client, seen by a case as usual, with the placeholder ids of its arguments made real first. */
function withRealIds(client: PirschApi, name: string, domainId: string): PirschApi {
  const group = name.split('.')[0] ?? '';
  const wrap = (target: object): object =>
    new Proxy(target, {
      get(object, key, receiver) {
        const member: unknown = Reflect.get(object, key, receiver);
        if (typeof key !== 'string') return member;
        if (typeof member === 'function') {
          return async (...args: unknown[]) => {
            const ids: Record<string, string> = { dom1: domainId };
            const text = JSON.stringify(args);
            // A group the emulator does not serve has nothing to prepare: its placeholder goes as it is.
            const prepare = PREPARE[group];
            if (text.includes('"gone"') && prepare) ids.gone = await prepare(client, domainId);
            if (text.includes('"inv1"')) ids.inv1 = await (PREPARE.invitations as Prepare)(client, domainId);
            if (text.includes('"fun1"')) ids.fun1 = await (PREPARE.funnels as Prepare)(client, domainId);
            return (member as (...values: unknown[]) => unknown).apply(object, withIds(args, ids) as unknown[]);
          };
        }
        return typeof member === 'object' && member !== null ? wrap(member) : member;
      },
    });
  return wrap(client) as PirschApi;
}

describe('every client method the emulator serves gets a 2xx from it', () => {
  let emulator: PirschEmulator;
  let client: PirschClient;
  let domainId: string;

  beforeAll(async () => {
    emulator = await createPirschEmulator();
    client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, maxRetries: 0 });
    const [domain] = await client.domains.list();
    if (!domain) throw new Error('the emulator has no domain');
    domainId = domain.id;
  });

  afterAll(async () => {
    await client?.close(1000);
    await emulator?.close();
  });

  it('lists only methods the client has', () => {
    const names = CASES.map(([name]) => name);
    for (const name of Object.keys(NOT_SERVED)) expect(names).toContain(name);
  });

  it.each(CASES)('%s', async (name, run, sent) => {
    const before = emulator.requests.length;
    await run(withRealIds(client, name, domainId)).catch(() => undefined);
    // The request the case is about is the last one: preparing an object comes first.
    const request = emulator.requests.slice(before).filter((candidate) => candidate.method === sent.method && candidate.path === sent.path).at(-1);
    const status = request?.status ?? 0;
    if (name in NOT_SERVED) expect(status, `${name} is served now: take it off NOT_SERVED`).toBe(404);
    else expect(status >= 200 && status < 300, `${name} got ${status}`).toBe(true);
  });
});

describe('every client method against a bare recorder: query and body as sent', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let client: PirschClient;

  beforeAll(async () => {
    recorder = await startRecorder();
    client = createClient({ baseUrl: recorder.url, clientId: 'id', clientSecret: 'secret', maxRetries: 0 });
  });

  afterAll(async () => {
    await client?.close(1000);
    if (recorder) await close(recorder.server);
  });

  it.each(CASES)('%s', async (_, run, sent) => {
    const before = recorder.requests.length;
    await run(client);
    expect(recorder.requests.slice(before)).toEqual([{ method: sent.method, path: sent.path, query: sent.query ?? {}, body: sent.body }]);
  });

  it('sends a list as the parameter repeated, tags as tag_<key>, meta as meta_<key>, and the operators as they are', async () => {
    const before = recorder.requests.length;
    await client.statistics.pages({
      ...RANGE,
      path: ['/blog', '~/docs', '!/admin'],
      country: '^de',
      tags: { author: 'John', abtest: ['a', 'b'] },
      meta: { plan: 'pro' },
      scale: 'week',
      tz: 'Europe/Berlin',
      offset: 100,
      limit: 100,
      sort: 'visitors',
      direction: 'desc',
      include_title: true,
      custom_metric_key: 'amount',
      custom_metric_type: 'float',
      platform: '!mobile',
    });
    expect(recorder.requests.slice(before)).toEqual([
      {
        method: 'GET',
        path: '/api/v1/statistics/page',
        query: {
          ...RANGE_QUERY,
          path: ['/blog', '~/docs', '!/admin'],
          country: '^de',
          tag_author: 'John',
          tag_abtest: ['a', 'b'],
          meta_plan: 'pro',
          scale: 'week',
          tz: 'Europe/Berlin',
          offset: '100',
          limit: '100',
          sort: 'visitors',
          direction: 'desc',
          include_title: 'true',
          custom_metric_key: 'amount',
          custom_metric_type: 'float',
          platform: '!mobile',
        },
        body: undefined,
      },
    ]);
  });

  it('statistics.exportCsv resolves with the zip bytes exactly as sent', async () => {
    const zip = await client.statistics.exportCsv({ ...RANGE, visitors: true });
    expect(zip).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(zip).equals(ZIP)).toBe(true);
  });

  it('domains.list wraps the single domain a lookup is answered with', async () => {
    const single = await startRecorder(() => ({ id: 'dom1', hostname: 'example.com' }));
    const lookup = createClient({ baseUrl: single.url, clientId: 'id', clientSecret: 'secret', maxRetries: 0 });
    try {
      expect(await lookup.domains.list({ id: 'dom1' })).toEqual([{ id: 'dom1', hostname: 'example.com' }]);
      expect(single.requests).toEqual([{ method: 'GET', path: '/api/v1/domain', query: { id: 'dom1' }, body: undefined }]);
    } finally {
      await lookup.close(1000);
      await close(single.server);
    }
  });
});

describe('client.paginate', () => {
  /** 250 pages that honour offset and limit, like the API. */
  const ROWS = Array.from({ length: 250 }, (_, index) => ({ path: `/p${index}`, visitors: 250 - index }));
  const pageOf = (request: Recorded) => {
    const offset = Number(request.query.offset ?? 0);
    const limit = Number(request.query.limit ?? 100);
    return ROWS.slice(offset, offset + limit);
  };

  it('walks every page (offset 0, 100, 200 with limit 100) and yields each row once, in order', async () => {
    const recorder = await startRecorder(pageOf);
    const client = createClient({ baseUrl: recorder.url, clientId: 'id', clientSecret: 'secret', maxRetries: 0 });
    try {
      const rows = [];
      for await (const row of client.paginate(client.statistics.pages, { ...RANGE, path: '~/p' })) rows.push(row);
      expect(rows).toEqual(ROWS);
      expect(recorder.requests.map((request) => [request.query.offset, request.query.limit, request.query.path])).toEqual([
        ['0', '100', '~/p'],
        ['100', '100', '~/p'],
        ['200', '100', '~/p'],
      ]);
    } finally {
      await client.close(1000);
      await close(recorder.server);
    }
  });

  it('takes the filter\'s limit as the page size and its offset as the start, and asks for no page the loop does not want', async () => {
    const recorder = await startRecorder(pageOf);
    const client = createClient({ baseUrl: recorder.url, clientId: 'id', clientSecret: 'secret', maxRetries: 0 });
    try {
      const rows = [];
      for await (const row of client.paginate(client.statistics.pages, { ...RANGE, offset: 10, limit: 20 })) {
        rows.push(row);
        if (rows.length === 30) break;
      }
      expect(rows).toEqual(ROWS.slice(10, 40));
      expect(recorder.requests.map((request) => [request.query.offset, request.query.limit])).toEqual([
        ['10', '20'],
        ['30', '20'],
      ]);
    } finally {
      await client.close(1000);
      await close(recorder.server);
    }
  });

  it('stops with a PirschError when the server ignores offset (a full page repeats), instead of looping forever', async () => {
    const recorder = await startRecorder(() => ROWS.slice(0, 100));
    const client = createClient({ baseUrl: recorder.url, clientId: 'id', clientSecret: 'secret', maxRetries: 0 });
    try {
      let count = 0;
      const walk = async () => {
        for await (const _ of client.paginate(client.statistics.pages, RANGE)) count++;
      };
      await expect(walk()).rejects.toMatchObject({ name: 'PirschError', message: expect.stringMatching(/ignores offset/) });
      expect(count).toBe(100);
      expect(recorder.requests).toHaveLength(2);
    } finally {
      await client.close(1000);
      await close(recorder.server);
    }
  });

  it('against the emulator: 250 pages and 130 sessions, walked 100 at a time, give every row exactly once', async () => {
    const emulator = await createPirschEmulator();
    const client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, maxRetries: 0 });
    try {
      const agent = 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0';
      for (let index = 0; index < 250; index++) client.hit({ url: `https://example.com/p${index}`, ip: '192.0.2.1', user_agent: agent });
      // One session per address: 130 visitors of the test IP table's Berlin and Tokyo ranges.
      for (let index = 0; index < 130; index++) client.hit({ url: 'https://example.com/', ip: `${index < 65 ? '192.0.2' : '203.0.113'}.${(index % 65) + 2}`, user_agent: agent });
      expect(await client.flush()).toBe(true);
      const [domain] = await client.domains.list();
      const today = new Date();
      const range = { id: domain?.id ?? '', from: today, to: today };
      const before = emulator.requests.length;

      const paths: string[] = [];
      for await (const page of client.paginate(client.statistics.pages, { ...range, search: '/p' })) paths.push(page.path);
      expect(paths).toHaveLength(250);
      expect(new Set(paths)).toEqual(new Set(Array.from({ length: 250 }, (_, index) => `/p${index}`)));

      const sessions: string[] = [];
      for await (const session of client.paginate(client.statistics.sessions, range)) sessions.push(`${session.visitor_id}/${session.session_id}`);
      expect(sessions).toHaveLength(131);
      expect(new Set(sessions).size).toBe(131);

      // Three pages of pages (100, 100, 50) and two of sessions (100, 31): the walk ends at the first short page.
      const asked = emulator.requests.slice(before).filter((request) => request.path.startsWith('/api/v1/statistics/'));
      expect(asked.map((request) => [request.path, request.query.offset, request.query.limit])).toEqual([
        ['/api/v1/statistics/page', '0', '100'],
        ['/api/v1/statistics/page', '100', '100'],
        ['/api/v1/statistics/page', '200', '100'],
        ['/api/v1/statistics/session/list', '0', '100'],
        ['/api/v1/statistics/session/list', '100', '100'],
      ]);
    } finally {
      await client.close(1000);
      await emulator.close();
    }
  });

  it('refuses a page size above the API\'s 100 before any request', async () => {
    const recorder = await startRecorder(pageOf);
    const client = createClient({ baseUrl: recorder.url, clientId: 'id', clientSecret: 'secret', maxRetries: 0 });
    try {
      const walk = async () => {
        for await (const _ of client.paginate(client.statistics.pages, { ...RANGE, limit: 500 })) break;
      };
      await expect(walk()).rejects.toMatchObject({ name: 'PirschConfigError', option: 'limit' });
      expect(recorder.requests).toEqual([]);
    } finally {
      await client.close(1000);
      await close(recorder.server);
    }
  });
});

describe('a value out of the documented range rejects with a PirschConfigError naming it, before any request', () => {
  let emulator: PirschEmulator;
  let client: PirschClient;

  beforeAll(async () => {
    emulator = await createPirschEmulator();
    client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, maxRetries: 0 });
  });

  afterAll(async () => {
    await client?.close(1000);
    await emulator?.close();
  });

  const BAD: [option: string, run: (client: PirschApi) => Promise<unknown>][] = [
    ['limit', (c) => c.statistics.pages({ ...RANGE, limit: 101 })],
    ['offset', (c) => c.statistics.sessions({ ...RANGE, offset: -1 })],
    ['start', (c) => c.statistics.activeVisitors({ id: D, start: 7200 })],
    ['scale', (c) => c.statistics.visitors({ ...RANGE, scale: 'hour' as 'day' })],
    ['direction', (c) => c.statistics.referrers({ ...RANGE, direction: 'up' as 'asc' })],
    ['custom_metric_type', (c) => c.statistics.total({ ...RANGE, custom_metric_key: 'amount', custom_metric_type: 'decimal' as 'float' })],
    ['from_time', (c) => c.statistics.minutes({ ...RANGE, from_time: '25:00' })],
    ['tz', (c) => c.statistics.visitors({ ...RANGE, tz: 'Nowhere/Special' })],
    ['session_id', (c) => c.statistics.sessionDetails({ ...RANGE, visitor_id: '1' })],
    ['visitor_id', (c) => c.statistics.sessionDetails({ ...RANGE })],
    ['event', (c) => c.statistics.eventPages({ ...RANGE })],
    ['event_meta_key', (c) => c.statistics.eventMetadata({ ...RANGE, event: 'Signup' })],
    ['tag', (c) => c.statistics.tagDetails({ ...RANGE })],
    ['funnel_id', (c) => c.statistics.funnel({ ...RANGE })],
    ['keyword', (c) => c.statistics.keywordPages({ ...RANGE })],
    ['tag', (c) => c.statistics.options.tagValues({ ...RANGE, tag: ['author', 'abtest'] })],
    ['id', (c) => c.statistics.overview({ id: '' })],
    ['pages', (c) => c.statistics.exportCsv({ ...RANGE, pages: 'yes' as unknown as boolean })],
    ['to', (c) => c.statistics.exportCsv({ ...RANGE, to: '2024-02-30' })],
    ['kind', (c) => c.statistics.delete({ ...RANGE, kind: 'pages' as 'all' })],
    ['limit', (c) => c.paginate(c.statistics.pages, { ...RANGE, limit: 500 }).next()],
  ];

  it.each(BAD)('%s', async (option, run) => {
    await expect(run(client)).rejects.toMatchObject({ name: 'PirschConfigError', option });
    // Not even a token was asked for.
    expect(emulator.requests).toEqual([]);
  });
});
