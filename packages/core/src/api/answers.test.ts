import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PirschClient } from '../client.js';
import type * as T from './types.js';

/**
 * The client's declared response types against what the emulator answers, with data: hits from
 * several addresses of the emulator's test IP table (so geo is not empty), UTM parameters,
 * referrers, tags, events with meta and a duration, sessions, a goal and a funnel. Each answer is
 * checked against a shape written from its type: the shape tables below must name every field of
 * the type (tsc fails otherwise, and on a field whose kind differs), and an answer with a field
 * missing, of another kind, or not in the type fails here. So a field renamed on either side fails.
 */

// --- Shapes -------------------------------------------------------------------------------------

declare const typeOf: unique symbol;

/** A check of a value of type `V` (the phantom makes `Kind<V>` invariant in `V`). */
interface Kind<V> {
  readonly [typeOf]?: (value: V) => V;
  readonly optional?: true;
  check(value: unknown, at: string, problems: string[]): void;
}

/** A check for every field of `T`, optional ones included, and no other. */
type Shape<V> = { [K in keyof Required<V>]: Kind<V[K]> };

const kind = <V>(name: string, test: (value: unknown) => boolean): Kind<V> => ({
  check: (value, at, problems) => {
    if (!test(value)) problems.push(`${at}: ${JSON.stringify(value)} is not ${name}`);
  },
});

const str = kind<string>('a string', (value) => typeof value === 'string');
const num = kind<number>('a finite number', (value) => typeof value === 'number' && Number.isFinite(value));
const bool = kind<boolean>('a boolean', (value) => typeof value === 'boolean');
const anything: Kind<unknown> = { check: () => undefined };

function oneOf<const L extends string>(...values: L[]): Kind<L> {
  return kind<L>(`one of ${values.join(', ')}`, (value) => (values as unknown[]).includes(value));
}

function nullable<V>(inner: Kind<V>): Kind<V | null> {
  return { check: (value, at, problems) => (value === null ? undefined : inner.check(value, at, problems)) };
}

/** A field the type marks optional: it may be missing, but when present it is checked. */
function optional<V>(inner: Kind<V>): Kind<V | undefined> {
  return { optional: true, check: (value, at, problems) => (value === undefined ? undefined : inner.check(value, at, problems)) };
}

function either<A, B>(a: Kind<A>, b: Kind<B>): Kind<A | B> {
  return {
    check: (value, at, problems) => {
      const first: string[] = [];
      a.check(value, at, first);
      if (first.length > 0) b.check(value, at, problems);
    },
  };
}

function list<V>(item: Kind<V>): Kind<V[]> {
  return {
    check: (value, at, problems) => {
      if (!Array.isArray(value)) problems.push(`${at}: ${JSON.stringify(value)} is not a list`);
      else value.forEach((entry, index) => item.check(entry, `${at}[${index}]`, problems));
    },
  };
}

function record<V>(item: Kind<V>): Kind<Record<string, V>> {
  return {
    check: (value, at, problems) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) problems.push(`${at}: ${JSON.stringify(value)} is not an object`);
      else for (const [key, entry] of Object.entries(value)) item.check(entry, `${at}.${key}`, problems);
    },
  };
}

function object<V>(shape: Shape<V>): Kind<V> {
  const fields = Object.entries(shape) as [string, Kind<unknown>][];
  return {
    check: (value, at, problems) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${at}: ${JSON.stringify(value)} is not an object`);
        return;
      }
      const answer = value as Record<string, unknown>;
      for (const [key, field] of fields) {
        if (!(key in answer) && !field.optional) problems.push(`${at}.${key}: missing`);
        else field.check(answer[key], `${at}.${key}`, problems);
      }
      for (const key of Object.keys(answer)) if (!(key in shape)) problems.push(`${at}.${key}: not in the type`);
    },
  };
}

/** What is wrong with `value` as a `V`: an empty list when nothing is. */
function problemsOf<V>(value: unknown, shape: Kind<V>): string[] {
  const problems: string[] = [];
  shape.check(value, 'answer', problems);
  return problems;
}

// --- The shapes of the response types -----------------------------------------------------------

const apiObject: Shape<T.ApiObject> = { id: str, def_time: str, mod_time: str };
const scaled: Shape<T.ScaledStats> = { day: nullable(str), week: optional(nullable(str)), month: optional(nullable(str)), year: optional(nullable(str)) };
const conversion: Shape<T.ConversionStats> = { cr: num, custom_metric_avg: num, custom_metric_total: num };
const relative: Shape<T.RelativeVisitorStats> = { visitors: num, relative_visitors: num };

const timeSpent = object<T.TimeSpentStats>({ ...scaled, average_time_spent_seconds: num });
const totalFields: Shape<T.TotalVisitorStats> = { ...conversion, visitors: num, views: num, sessions: num, bounces: num, bounce_rate: num };
const total = object<T.TotalVisitorStats>(totalFields);
const visitorStats = object<T.VisitorStats>({ ...totalFields, ...scaled });
const pageStats = object<T.PageStats>({
  path: str, title: str, visitors: num, views: num, sessions: num, bounces: num, relative_visitors: num, relative_views: num, bounce_rate: num, average_time_spent_seconds: num,
});
const countryStats = object<T.CountryStats>({ ...relative, country_code: str, country: optional(str) });

const domainSettings: Shape<T.DomainSettings> = Object.fromEntries(
  (['active', 'funnels', 'sessions', 'links', 'graphs', 'pages', 'sources', 'goals', 'events', 'location', 'devices', 'weekdays', 'keywords', 'nav_reload', 'nav_filter', 'nav_views', 'nav_period', 'nav_comparison', 'nav_period_live'] as const).flatMap(
    (section) => [[section, optional(bool)], [`${section}_public`, optional(bool)]],
  ),
) as Shape<T.DomainSettings>;

const domain = object<T.Domain>({
  ...apiObject,
  user_id: str, organization_id: optional(nullable(str)), hostname: str, subdomain: str, identification_code: str, public: bool,
  google_user_id: nullable(str), google_user_email: nullable(str), gsc_domain: nullable(str), new_owner: nullable(str),
  timezone: optional(str), group_by_title: optional(bool), active_visitors_seconds: optional(num), disable_scripts: optional(bool),
  statistics_start: optional(nullable(str)), imported_statistics: optional(bool), metadata: optional(record(anything)),
  theme_id: optional(nullable(str)), theme: optional(record(anything)), custom_domain: optional(nullable(str)), user_role: str,
  settings: optional(object(domainSettings)), theme_settings: optional(record(anything)), display_name: optional(str), pinned: optional(bool),
  free_trial: optional(bool), subscription_active: optional(bool), subscription_plus: optional(bool),
});

const goal = object<T.ConversionGoal>({
  ...apiObject,
  domain_id: str, name: str, path_pattern: nullable(str), pattern: nullable(str), tags: optional(list(str)),
  event_name: optional(nullable(str)), event_meta_key: optional(nullable(str)), event_meta_value: optional(nullable(str)),
  custom_metric_key: optional(nullable(str)), custom_metric_type: optional(nullable(oneOf('integer', 'float'))),
  visitor_goal: nullable(num), cr_goal: nullable(num), custom_metric_total_goal: optional(nullable(num)), custom_metric_avg_goal: optional(nullable(num)),
  delete_reached: bool, email_reached: bool,
});

const stringList = optional(list(str));
const funnelStepFilter = object<T.FunnelStepFilter>({
  path: stringList, entry_path: stringList, exit_path: stringList, path_pattern: stringList, path_regex: stringList, language: stringList,
  country: stringList, region: stringList, city: stringList, referrer: stringList, referrer_name: stringList, os: stringList, os_version: stringList,
  browser: stringList, browser_version: stringList, platform: optional(oneOf('desktop', 'mobile', '')), screen_class: stringList,
  utm_source: stringList, utm_medium: stringList, utm_campaign: stringList, utm_content: stringList, utm_term: stringList,
  tags: optional(record(str)), tag: stringList, event_name: stringList, event_meta_key: stringList, event_meta: optional(record(str)),
});
const funnel = object<T.Funnel>({
  ...apiObject,
  domain_id: str, name: str, steps: list(object<T.FunnelStep>({ ...apiObject, funnel_id: str, name: str, step: num, filter: funnelStepFilter })),
});

const sessionPage: Shape<T.SessionPageFields> = {
  language: str, country_code: str, city: str, referrer: str, referrer_name: str, referrer_icon: str, os: str, os_version: str, browser: str,
  browser_version: str, desktop: bool, mobile: bool, screen_class: str, utm_source: str, utm_medium: str, utm_campaign: str, utm_content: str, utm_term: str,
};
const visitorId = either(str, num);
const clientScope = oneOf('r', 'w', '');
const oauthClient: Shape<T.OAuthClient> = {
  ...apiObject,
  domain_id: str, client_id: str, description: str, scope_hit: clientScope, scope_event: clientScope, scope_session: optional(clientScope),
  scope_statistics: clientScope, scope_domains: clientScope, scope_organizations: optional(clientScope), scope_themes: optional(clientScope), scope_billing: optional(clientScope),
};
const emailReport = object<T.EmailReport>({
  ...apiObject,
  domain_id: str, email: str, reply_to: optional(str), interval: num, link_to: optional(oneOf('', 'dashboard', 'public', 'custom')), next_report: str,
  visitor_graph: optional(bool), summary: optional(bool), top_pages: optional(bool), top_referrer: optional(bool), top_events: optional(bool), hide_dashboard_button: optional(bool),
});
const nullableStrings = nullable(list(str));
const view = object<T.View>({
  ...apiObject,
  domain_id: str, user_id: nullable(str), name: str, from: nullable(str), to: nullable(str), from_time: nullable(str), to_time: nullable(str), period: num,
  compare: nullable(str), compare_from: nullable(str), compare_to: nullable(str), compare_weekday: bool,
  path: nullableStrings, entry_path: nullableStrings, exit_path: nullableStrings, pattern: nullableStrings, language: nullableStrings, country: nullableStrings,
  city: nullableStrings, referrer: nullableStrings, referrer_name: nullableStrings, os: nullableStrings, browser: nullableStrings, platform: nullable(str),
  screen_class: nullableStrings, utm_source: nullableStrings, utm_medium: nullableStrings, utm_campaign: nullableStrings, utm_content: nullableStrings,
  utm_term: nullableStrings, event: nullableStrings, event_meta_key: nullableStrings, event_meta_value: nullableStrings, tag: nullableStrings,
  tag_key: nullableStrings, tag_value: nullableStrings, visitor_id: nullable(visitorId), session_id: nullable(num),
});

// --- The calls ------------------------------------------------------------------------------------

/** Today and yesterday (UTC): what the emulator received today is in the range. */
const TODAY = new Date().toISOString().slice(0, 10);
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

interface Context {
  client: PirschClient;
  range: { id: string; from: string; to: string };
  funnelId: string;
  session: { visitor_id: string; session_id: number };
}

/** A method, how to call it with data, the shape its type promises, and whether an empty list is right (no data source for it). */
type AnswerCase = [name: string, run: (context: Context) => Promise<unknown>, shape: Kind<unknown>, empty?: 'may be empty'];

/** `kind` as a check of any value (the cases table holds checks of many types). */
const of = <V>(shape: Kind<V>) => shape as Kind<unknown>;

const relativeBy = <K extends string>(key: K) => object<RelativeVisitorStats & Record<K, string>>({ ...relative, [key]: str } as Shape<RelativeVisitorStats & Record<K, string>>);
type RelativeVisitorStats = T.RelativeVisitorStats;

const ANSWERS: AnswerCase[] = [
  ['statistics.overview', ({ client, range }) => client.statistics.overview({ id: range.id }), of(object<T.OverviewStats>({
    visitors: num, views: num, visitors_growth: optional(num), visitor_growth: optional(num), views_growth: num, visitors_time_series: optional(list(visitorStats)), member: num,
  }))],
  ['statistics.sessionDuration', ({ client, range }) => client.statistics.sessionDuration(range), of(list(timeSpent))],
  ['statistics.timeOnPage', ({ client, range }) => client.statistics.timeOnPage(range), of(list(object<T.PageTimeSpentStats>({ ...scaled, average_time_spent_seconds: num, path: str })))],
  ['statistics.utmSource', ({ client, range }) => client.statistics.utmSource(range), of(list(object<T.UtmSourceStats>({ ...relative, utm_source: str })))],
  ['statistics.utmMedium', ({ client, range }) => client.statistics.utmMedium(range), of(list(object<T.UtmMediumStats>({ ...relative, utm_medium: str })))],
  ['statistics.utmCampaign', ({ client, range }) => client.statistics.utmCampaign(range), of(list(object<T.UtmCampaignStats>({ ...relative, utm_campaign: str })))],
  ['statistics.utmContent', ({ client, range }) => client.statistics.utmContent(range), of(list(object<T.UtmContentStats>({ ...relative, utm_content: str })))],
  ['statistics.utmTerm', ({ client, range }) => client.statistics.utmTerm(range), of(list(object<T.UtmTermStats>({ ...relative, utm_term: str })))],
  ['statistics.total', ({ client, range }) => client.statistics.total(range), of(total)],
  ['statistics.total (custom metric)', ({ client, range }) => client.statistics.total({ ...range, custom_metric_key: 'amount', custom_metric_type: 'float' }), of(total)],
  ['statistics.visitors', ({ client, range }) => client.statistics.visitors(range), of(list(visitorStats))],
  ['statistics.visitors (week)', ({ client, range }) => client.statistics.visitors({ ...range, scale: 'week' }), of(list(visitorStats))],
  ['statistics.hostnames', ({ client, range }) => client.statistics.hostnames(range), of(list(object<T.HostnameStats>({
    hostname: str, visitors: num, views: num, sessions: num, bounces: num, relative_visitors: num, relative_views: num, bounce_rate: num,
  })))],
  ['statistics.pages', ({ client, range }) => client.statistics.pages(range), of(list(pageStats))],
  ['statistics.pages (time on page)', ({ client, range }) => client.statistics.pages({ ...range, include_avg_time_on_page: true }), of(list(pageStats))],
  ['statistics.entryPages', ({ client, range }) => client.statistics.entryPages(range), of(list(object<T.EntryStats>({
    path: str, title: str, visitors: num, sessions: num, entries: num, entry_rate: num, average_time_spent_seconds: num,
  })))],
  ['statistics.exitPages', ({ client, range }) => client.statistics.exitPages(range), of(list(object<T.ExitStats>({ path: str, title: str, visitors: num, sessions: num, exits: num, exit_rate: num })))],
  ['statistics.eventPages', ({ client, range }) => client.statistics.eventPages({ ...range, event: 'Signup' }), of(list(pageStats))],
  ['statistics.conversionGoals', ({ client, range }) => client.statistics.conversionGoals(range), of(list(object<T.ConversionGoalStats>({
    page_goal: goal, stats: object<T.ConversionGoalStats['stats']>({ visitors: num, views: num, cr: num }),
  })))],
  ['statistics.events', ({ client, range }) => client.statistics.events(range), of(list(object<T.EventStats>({
    name: str, count: num, visitors: num, views: num, cr: num, average_duration_seconds: num, meta_keys: list(str),
  })))],
  ['statistics.eventMetadata', ({ client, range }) => client.statistics.eventMetadata({ ...range, event: 'Signup', event_meta_key: 'plan' }), of(list(object<T.EventMetaStats>({
    name: str, count: num, visitors: num, views: num, cr: num, average_duration_seconds: num, meta_value: str,
  })))],
  ['statistics.listEvents', ({ client, range }) => client.statistics.listEvents(range), of(list(object<T.EventListStats>({ name: str, meta: record(str), visitors: num, count: num })))],
  ['statistics.growth', ({ client, range }) => client.statistics.growth(range), of(object<T.Growth>({
    visitors_growth: num, views_growth: num, sessions_growth: num, bounces_growth: num, time_spent_growth: num,
    cr_growth: num, custom_metric_avg_growth: num, custom_metric_total_growth: num,
  }))],
  ['statistics.activeVisitors', ({ client, range }) => client.statistics.activeVisitors({ id: range.id, start: 3600 }), of(object<T.ActiveVisitorStats>({
    stats: list(object<T.ActiveVisitorStats['stats'][number]>({ path: str, visitors: num })), countries: optional(list(countryStats)), visitors: num,
  }))],
  ['statistics.timeOfDay', ({ client, range }) => client.statistics.timeOfDay(range), of(list(object<T.VisitorHourStats>({
    ...conversion, hour: num, visitors: num, views: num, sessions: num, bounces: num, bounce_rate: num,
  })))],
  ['statistics.minutes', ({ client, range }) => client.statistics.minutes({ ...range, from: range.to, from_time: '00:00', to_time: '23:59' }), of(list(object<T.VisitorMinuteStats>({
    ...conversion, minute: num, visitors: num, views: num, sessions: num, bounces: num, bounce_rate: num,
  })))],
  ['statistics.weekdays', ({ client, range }) => client.statistics.weekdays(range), of(list(object<T.VisitorWeekdayHourStats>({
    weekday: num, hour: num, visitors: num, views: num, sessions: num, bounces: num,
  })))],
  ['statistics.languages', ({ client, range }) => client.statistics.languages(range), of(list(relativeBy('language')))],
  ['statistics.referrers', ({ client, range }) => client.statistics.referrers(range), of(list(object<T.ReferrerStats>({
    referrer: str, referrer_name: str, referrer_icon: str, visitors: num, sessions: num, relative_visitors: num, bounces: num, bounce_rate: num,
  })))],
  ['statistics.channels', ({ client, range }) => client.statistics.channels(range), of(list(object<T.ChannelStats>({
    channel: str, visitors: num, views: num, sessions: num, relative_visitors: num, relative_views: num, bounces: num, bounce_rate: num,
  })))],
  ['statistics.os', ({ client, range }) => client.statistics.os(range), of(list(relativeBy('os')))],
  ['statistics.osVersions', ({ client, range }) => client.statistics.osVersions(range), of(list(object<T.OSVersionStats>({ ...relative, os: str, os_version: str })))],
  ['statistics.browsers', ({ client, range }) => client.statistics.browsers(range), of(list(relativeBy('browser')))],
  ['statistics.browserVersions', ({ client, range }) => client.statistics.browserVersions(range), of(list(object<T.BrowserVersionStats>({ ...relative, browser: str, browser_version: str })))],
  ['statistics.countries', ({ client, range }) => client.statistics.countries(range), of(list(countryStats))],
  ['statistics.regions', ({ client, range }) => client.statistics.regions(range), of(list(object<T.RegionStats>({ ...relative, country_code: str, region: str })))],
  ['statistics.cities', ({ client, range }) => client.statistics.cities(range), of(list(object<T.CityStats>({ ...relative, country_code: optional(str), region: optional(str), city: str })))],
  ['statistics.platforms', ({ client, range }) => client.statistics.platforms(range), of(object<T.PlatformStats>({
    platform_desktop: num, platform_mobile: num, platform_unknown: num, relative_platform_desktop: num, relative_platform_mobile: num, relative_platform_unknown: num,
  }))],
  ['statistics.screenClasses', ({ client, range }) => client.statistics.screenClasses(range), of(list(relativeBy('screen_class')))],
  ['statistics.tags', ({ client, range }) => client.statistics.tags(range), of(list(object<T.TagStats>({ key: str, visitors: num, views: num, relative_visitors: num, relative_views: num })))],
  ['statistics.tagDetails', ({ client, range }) => client.statistics.tagDetails({ ...range, tag: 'author' }), of(list(object<T.TagDetailStats>({
    key: str, value: str, visitors: num, views: num, relative_visitors: num, relative_views: num,
  })))],
  ['statistics.funnel', ({ client, range, funnelId }) => client.statistics.funnel({ ...range, funnel_id: funnelId }), of(object<T.FunnelStats>({
    definition: funnel,
    data: list(object<T.FunnelStepStats>({ step: num, visitors: num, relative_visitors: num, previous_visitors: num, relative_previous_visitors: num, dropped: num, drop_off: num })),
  }))],
  ['statistics.sessions', ({ client, range }) => client.statistics.sessions(range), of(list(object<T.SessionStats>({
    ...sessionPage, visitor_id: str, session_id: num, time: str, start: str, duration_seconds: num, entry_path: str, exit_path: str, page_views: num,
    is_bounce: bool, entry_title: str, exit_title: str, extended: num,
  })))],
  ['statistics.sessionDetails', ({ client, range, session }) => client.statistics.sessionDetails({ ...range, ...session }), of(list(object<T.SessionStep>({
    page_view: nullable(object<T.SessionPageView>({
      ...sessionPage, visitor_id: visitorId, session_id: num, time: str, duration_seconds: num, path: str, title: str, tag_keys: list(str), tag_values: list(str),
    })),
    event: nullable(object<T.SessionEvent>({
      ...sessionPage, visitor_id: visitorId, session_id: num, time: str, name: str, meta_keys: list(str), meta_values: list(str), duration_seconds: num, path: str, title: str,
    })),
  })))],
  ['statistics.keywords', ({ client, range }) => client.statistics.keywords(range), of(list(object<T.KeywordStats>({ keys: list(str), clicks: num, impressions: num, ctr: num, position: num }))), 'may be empty'],
  ['statistics.keywordPages', ({ client, range }) => client.statistics.keywordPages({ ...range, keyword: 'analytics' }), of(list(object<T.KeywordStats>({ keys: list(str), clicks: num, impressions: num, ctr: num, position: num }))), 'may be empty'],
  ...(
    [
      'hostnames', 'pages', 'referrers', 'referrerNames', 'channels', 'events', 'countries', 'regions', 'cities', 'languages', 'browsers', 'os',
      'metadataKeys', 'utmSources', 'utmMediums', 'utmCampaigns', 'utmContents', 'utmTerms', 'tags',
    ] as const
  ).map((name): AnswerCase => [`statistics.options.${name}`, ({ client, range }) => client.statistics.options[name](range), of(list(str))]),
  ['statistics.options.metadata', ({ client, range }) => client.statistics.options.metadata({ ...range, event: 'Signup', event_meta_key: 'plan' }), of(list(str))],
  ['statistics.options.tagValues', ({ client, range }) => client.statistics.options.tagValues({ ...range, tag: 'author' }), of(list(str))],

  ['domains.list', ({ client }) => client.domains.list(), of(list(domain))],
  ['domains.create', ({ client }) => client.domains.create({ hostname: 'answers.example', subdomain: 'answers', timezone: 'UTC' }), of(domain)],
  ['domains.resetIdentificationCode', ({ client, range }) => client.domains.resetIdentificationCode(range.id), of(object<T.IdentificationCode>({ identification_code: str }))],
  ['accessLinks.create', ({ client, range }) => client.accessLinks.create({ domain_id: range.id, description: 'board' }), of(object<T.AccessLink>({
    ...apiObject, domain_id: str, code: str, description: str, valid_until: optional(nullable(str)),
  }))],
  ['accessLinks.list', ({ client, range }) => client.accessLinks.list(range.id), of(list(object<T.AccessLink>({
    ...apiObject, domain_id: str, code: str, description: str, valid_until: optional(nullable(str)),
  })))],
  ['members.list', ({ client, range }) => client.members.list(range.id), of(list(object<T.Member>({
    ...apiObject, user_id: str, domain_id: str, organization_id: optional(nullable(str)), role: str,
    user: object<T.Member['user']>({ id: str, email: str, full_name: str, picture: str }),
  })))],
  ['invitations.list', async ({ client, range }) => {
    await client.members.invite(range.id, ['invited@example.com']);
    return client.invitations.list(range.id);
  }, of(list(object<T.Invitation>({
    ...apiObject, domain_id: nullable(str), organization_id: nullable(str), email: str, domain: nullable(domain), organization: nullable(record(anything)),
  })))],
  ['clients.create', ({ client, range }) => client.clients.create({ domain_id: range.id, description: 'ci', scope_statistics: 'r' }), of(object<T.CreatedOAuthClient>({ ...oauthClient, client_secret: str }))],
  ['clients.list', ({ client, range }) => client.clients.list(range.id), of(list(object<T.OAuthClient>(oauthClient)))],
  ['reports.create', ({ client, range }) => client.reports.create({ domain_id: range.id, emails: ['report@example.com'], interval: 1 }), of(list(emailReport))],
  ['reports.list', ({ client, range }) => client.reports.list(range.id), of(list(emailReport))],
  ['goals.list', ({ client, range }) => client.goals.list(range.id), of(list(goal))],
  ['goals.testRegex', ({ client }) => client.goals.testRegex({ regex: '^/blog/[^/]*$', sample: '/blog/a' }), of(object<T.RegexMatch>({ match: bool }))],
  ['funnels.list', ({ client, range }) => client.funnels.list(range.id), of(list(funnel))],
  ['funnels.tags', ({ client, range }) => client.funnels.tags(range.id), of(list(str))],
  ['webhooks.create', ({ client, range }) => client.webhooks.create({ domain_id: range.id, description: 'd', event: 'Signup', endpoint: 'https://hooks.example/x' }), of(object<T.Webhook>({
    ...apiObject, domain_id: str, description: str, event: str, endpoint: str, active: bool,
  }))],
  ['webhooks.list', ({ client, range }) => client.webhooks.list(range.id), of(list(object<T.Webhook>({ ...apiObject, domain_id: str, description: str, event: str, endpoint: str, active: bool })))],
  ['trafficFilters.create', ({ client, range }) => client.trafficFilters.create({ domain_id: range.id, type: 'ip', description: 'office', filter: '203.0.113.7' }), of(object<T.TrafficFilter>({
    ...apiObject, domain_id: str, type: str, description: str, filter: str,
  }))],
  ['trafficFilters.list', ({ client, range }) => client.trafficFilters.list(range.id), of(list(object<T.TrafficFilter>({ ...apiObject, domain_id: str, type: str, description: str, filter: str })))],
  ['alternativeDomains.create', ({ client, range }) => client.alternativeDomains.create({ domain_id: range.id, hostname: 'alt.example' }), of(object<T.AlternativeDomain>({ ...apiObject, domain_id: str, hostname: str }))],
  ['alternativeDomains.list', ({ client, range }) => client.alternativeDomains.list(range.id), of(list(object<T.AlternativeDomain>({ ...apiObject, domain_id: str, hostname: str })))],
  ['snippets.get', ({ client, range }) => client.snippets.get(range.id, 'page view'), of(object<T.Snippet>({
    ...apiObject, domain_id: str, type: oneOf('page view', 'event', 'session'), dev: bool, include: str, exclude: str, domains: str, endpoint: str, sample: str,
  }))],
  ['views.create', ({ client, range }) => client.views.create({ domain_id: range.id, name: 'Blog', path: ['/blog'], period: 5 }), of(view)],
  ['views.list', ({ client, range }) => client.views.list(range.id), of(list(view))],
];

// --- The data -------------------------------------------------------------------------------------

/** Chrome on Windows and Safari on an iPhone: desktop and mobile rows. */
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const MOBILE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** Visitors from addresses of the emulator's test IP table (Berlin, San Francisco, New York, Tokyo, Amsterdam). */
const VISITORS = [
  { ip: '192.0.2.10', user_agent: DESKTOP, accept_language: 'de-DE' },
  { ip: '198.51.100.20', user_agent: MOBILE, accept_language: 'en-US' },
  { ip: '198.51.100.200', user_agent: DESKTOP, accept_language: 'en-US' },
  { ip: '203.0.113.30', user_agent: MOBILE, accept_language: 'ja' },
  { ip: '2001:db8::40', user_agent: DESKTOP, accept_language: 'nl' },
];

/** Sends every visitor's pages, events and a session keep-alive, and sets up a goal and a funnel. */
async function sendData(client: PirschClient, domainId: string): Promise<string> {
  for (const [index, visitor] of VISITORS.entries()) {
    const utm = index % 2 === 0 ? '?utm_source=newsletter&utm_medium=email&utm_campaign=launch&utm_content=top&utm_term=analytics' : '';
    const base = { ...visitor, screen_width: index % 2 === 0 ? 1920 : 390, screen_height: 1080, tags: { author: index < 3 ? 'John' : 'Jane' } };
    client.hit({ ...base, url: `https://example.com/${utm}`, title: 'Home', referrer: index === 1 ? 'https://www.google.com/' : '' });
    client.hit({ ...base, url: 'https://example.com/pricing', title: 'Pricing' });
    if (index < 3) client.hit({ ...base, url: 'https://example.com/signup', title: 'Sign up' });
    if (index < 3) client.event('Signup', { ...base, url: 'https://example.com/signup', title: 'Sign up' }, { duration: 5, meta: { plan: index === 0 ? 'pro' : 'free', amount: 12.5 } });
    client.session({ ip: visitor.ip, user_agent: visitor.user_agent });
  }
  await client.flush();
  await client.goals.create({ domain_id: domainId, name: 'Pricing', path_pattern: '/pricing' });
  await client.goals.create({ domain_id: domainId, name: 'Signed up', event_name: 'Signup', custom_metric_key: 'amount', custom_metric_type: 'float' });
  const created = await client.funnels.create({
    domain_id: domainId,
    name: 'Signup',
    steps: [
      { name: 'Home', filter: { path: ['/'], tag: ['author'] } },
      { name: 'Pricing', filter: { path: ['/pricing'] } },
      { name: 'Signup', filter: { event_name: ['Signup'] } },
    ],
  });
  return created.id;
}

// --- Tests ----------------------------------------------------------------------------------------

describe('the shape check', () => {
  const shape = object<T.RegionStats>({ ...relative, country_code: str, region: str });
  const row = { visitors: 1, relative_visitors: 1, country_code: 'jp', region: 'Tokyo' };

  it('passes an answer of the type and fails one with a field renamed, missing, of another kind, or unknown', () => {
    expect(problemsOf(row, shape)).toEqual([]);
    const { country_code: _, ...renamed } = row;
    expect(problemsOf({ ...renamed, country: 'jp' }, shape)).toEqual(['answer.country_code: missing', 'answer.country: not in the type']);
    expect(problemsOf({ ...row, visitors: '1' }, shape)).toEqual(['answer.visitors: "1" is not a finite number']);
    expect(problemsOf([row], list(shape))).toEqual([]);
    expect(problemsOf([row, { ...row, region: null }], list(shape))).toEqual(['answer[1].region: null is not a string']);
  });

  it('lets an optional field be missing but checks it when present', () => {
    const cities = object<T.CityStats>({ ...relative, country_code: optional(str), region: optional(str), city: str });
    expect(problemsOf({ visitors: 1, relative_visitors: 1, city: 'Tokyo' }, cities)).toEqual([]);
    expect(problemsOf({ visitors: 1, relative_visitors: 1, city: 'Tokyo', region: 3 }, cities)).toEqual(['answer.region: 3 is not a string']);
  });
});

describe('every answer the emulator gives, with data, has the shape its type promises', () => {
  let emulator: PirschEmulator;
  let client: PirschClient;
  let context: Context;

  beforeAll(async () => {
    emulator = await createPirschEmulator();
    client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, maxRetries: 0 });
    const [first] = await client.domains.list();
    if (!first) throw new Error('the emulator has no domain');
    const funnelId = await sendData(client, first.id);
    const range = { id: first.id, from: YESTERDAY, to: TODAY };
    const [session] = await client.statistics.sessions(range);
    if (!session) throw new Error('no session was recorded');
    context = { client, range, funnelId, session: { visitor_id: session.visitor_id, session_id: session.session_id } };
  });

  afterAll(async () => {
    await client?.close(1000);
    await emulator?.close();
  });

  it.each(ANSWERS)('%s', async (_, run, shape, empty) => {
    const answer = await run(context);
    if (Array.isArray(answer) && empty === undefined) expect(answer.length, 'an empty list proves nothing: the data should give rows').toBeGreaterThan(0);
    expect(problemsOf(answer, shape)).toEqual([]);
  });
});
