import { PirschConfigError } from '../errors.js';
import type { ApiRequester } from '../types.js';
import { filterToQuery, formatDay } from './filter.js';
import type {
  ActiveVisitorStats,
  ActiveVisitorsFilter,
  BrowserStats,
  BrowserVersionStats,
  ChannelStats,
  CityStats,
  DeleteStatisticsInput,
  ExportCsvInput,
  FunnelStats,
  HostnameStats,
  OverviewFilter,
  OverviewStats,
  RegionStats,
  SessionStats,
  SessionStep,
  TagDetailStats,
  TagStats,
  VisitorMinuteStats,
  VisitorWeekdayHourStats,
  ConversionGoalStats,
  CountryStats,
  EntryStats,
  EventListStats,
  EventMetaStats,
  EventStats,
  ExitStats,
  Growth,
  KeywordStats,
  LanguageStats,
  OSStats,
  OSVersionStats,
  PageStats,
  PageTimeSpentStats,
  PlatformStats,
  ReferrerStats,
  ScreenClassStats,
  StatisticsFilter,
  TimeSpentStats,
  TotalVisitorStats,
  UtmCampaignStats,
  UtmContentStats,
  UtmMediumStats,
  UtmSourceStats,
  UtmTermStats,
  VisitorHourStats,
  VisitorStats,
} from './types.js';

/** A statistics call: takes the filter, resolves with the parsed answer. */
export type StatisticsCall<T, F = StatisticsFilter> = (filter: F) => Promise<T>;

/**
 * Every statistics endpoint that takes the filter, each a `GET /api/v1/statistics/<path>` with the
 * filter as query.
 */
export interface StatisticsCalls {
  /** Visitors, views, growth and members of a domain; cached by the API, no filter applies. `GET overview` */
  overview: StatisticsCall<OverviewStats, OverviewFilter>;
  /** Average session duration per day. `GET duration/session` */
  sessionDuration: StatisticsCall<TimeSpentStats[]>;
  /** Average time on page per day. `GET duration/page` */
  timeOnPage: StatisticsCall<PageTimeSpentStats[]>;
  /** `GET utm/source` */
  utmSource: StatisticsCall<UtmSourceStats[]>;
  /** `GET utm/medium` */
  utmMedium: StatisticsCall<UtmMediumStats[]>;
  /** `GET utm/campaign` */
  utmCampaign: StatisticsCall<UtmCampaignStats[]>;
  /** `GET utm/content` */
  utmContent: StatisticsCall<UtmContentStats[]>;
  /** `GET utm/term` */
  utmTerm: StatisticsCall<UtmTermStats[]>;
  /** Visitors, views, sessions and bounces of the whole range (not summed per day). `GET total` */
  total: StatisticsCall<TotalVisitorStats>;
  /** The totals per day (or per `scale`). `GET visitor` */
  visitors: StatisticsCall<VisitorStats[]>;
  /** Visitors per hostname (for rollup views). `GET hostname` */
  hostnames: StatisticsCall<HostnameStats[]>;
  /** `GET page` */
  pages: StatisticsCall<PageStats[]>;
  /** `GET page/entry` */
  entryPages: StatisticsCall<EntryStats[]>;
  /** `GET page/exit` */
  exitPages: StatisticsCall<ExitStats[]>;
  /** The pages an event was sent on: set `event`. `GET event/page` */
  eventPages: StatisticsCall<PageStats[]>;
  /** `GET goals` */
  conversionGoals: StatisticsCall<ConversionGoalStats[]>;
  /** Events and their meta keys. `GET events` */
  events: StatisticsCall<EventStats[]>;
  /** One event by the values of one meta key: set `event` and `event_meta_key`. `GET event/meta` */
  eventMetadata: StatisticsCall<EventMetaStats[]>;
  /** Events grouped by name and metadata. `GET event/list` */
  listEvents: StatisticsCall<EventListStats[]>;
  /** Change against the previous period. `GET growth` */
  growth: StatisticsCall<Growth>;
  /** Visitors of the past `start` seconds. `GET active` */
  activeVisitors: StatisticsCall<ActiveVisitorStats, ActiveVisitorsFilter>;
  /** The totals per hour of the day. `GET hours` */
  timeOfDay: StatisticsCall<VisitorHourStats[]>;
  /** The totals per minute, of `from_time` to `to_time` on one day. `GET minutes` */
  minutes: StatisticsCall<VisitorMinuteStats[]>;
  /** The totals per weekday (Monday is 0) and hour. `GET weekdays` */
  weekdays: StatisticsCall<VisitorWeekdayHourStats[]>;
  /** `GET language` */
  languages: StatisticsCall<LanguageStats[]>;
  /** `GET referrer` */
  referrers: StatisticsCall<ReferrerStats[]>;
  /** Visitors per traffic channel. `GET channel` */
  channels: StatisticsCall<ChannelStats[]>;
  /** `GET os` */
  os: StatisticsCall<OSStats[]>;
  /** `GET os/version` (the document's `os` there is a slip) */
  osVersions: StatisticsCall<OSVersionStats[]>;
  /** `GET browser` */
  browsers: StatisticsCall<BrowserStats[]>;
  /** `GET browser/version` */
  browserVersions: StatisticsCall<BrowserVersionStats[]>;
  /** `GET country` */
  countries: StatisticsCall<CountryStats[]>;
  /** `GET region` */
  regions: StatisticsCall<RegionStats[]>;
  /** `GET city` */
  cities: StatisticsCall<CityStats[]>;
  /** `GET platform` */
  platforms: StatisticsCall<PlatformStats>;
  /** `GET screen` */
  screenClasses: StatisticsCall<ScreenClassStats[]>;
  /** Visitors and views per tag key. `GET tags` */
  tags: StatisticsCall<TagStats[]>;
  /** One tag key by its values: set `tag`. `GET tag/details` */
  tagDetails: StatisticsCall<TagDetailStats[]>;
  /** A funnel's definition and each step's numbers: set `funnel_id`. `GET funnel` */
  funnel: StatisticsCall<FunnelStats>;
  /** The sessions of the range. `GET session/list` */
  sessions: StatisticsCall<SessionStats[]>;
  /** One session's page views and events in time order: set `visitor_id` and `session_id`. `GET session/details` */
  sessionDetails: StatisticsCall<SessionStep[]>;
  /** Needs the Google Search Console integration. `GET keywords` */
  keywords: StatisticsCall<KeywordStats[]>;
  /** The pages found for one keyword: set `keyword`. Needs the Google Search Console integration. `GET pages` */
  keywordPages: StatisticsCall<KeywordStats[]>;
}

/**
 * The values the filter can take for the range, each a `GET /api/v1/statistics/options/<path>`
 * answering with a list of strings (`search` narrows it).
 *
 * @example
 * const paths = await client.statistics.options.pages({ id: domain.id, from: '2024-01-01', to: new Date(), search: 'blog' });
 */
export interface FilterOptionsApi {
  /** `GET options/hostname` */
  hostnames: StatisticsCall<string[]>;
  /** `GET options/page` */
  pages: StatisticsCall<string[]>;
  /** `GET options/referrer` */
  referrers: StatisticsCall<string[]>;
  /** `GET options/referrer/name` */
  referrerNames: StatisticsCall<string[]>;
  /** `GET options/channel` */
  channels: StatisticsCall<string[]>;
  /** `GET options/event` */
  events: StatisticsCall<string[]>;
  /** `GET options/country` */
  countries: StatisticsCall<string[]>;
  /** `GET options/region` */
  regions: StatisticsCall<string[]>;
  /** `GET options/city` */
  cities: StatisticsCall<string[]>;
  /** `GET options/language` */
  languages: StatisticsCall<string[]>;
  /** `GET options/browser` */
  browsers: StatisticsCall<string[]>;
  /** `GET options/os` */
  os: StatisticsCall<string[]>;
  /** Event meta keys. `GET options/metadata/keys` */
  metadataKeys: StatisticsCall<string[]>;
  /** Event meta values (for `event_meta_key`). `GET options/metadata` */
  metadata: StatisticsCall<string[]>;
  /** `GET options/utm/source` */
  utmSources: StatisticsCall<string[]>;
  /** `GET options/utm/medium` */
  utmMediums: StatisticsCall<string[]>;
  /** `GET options/utm/campaign` */
  utmCampaigns: StatisticsCall<string[]>;
  /** `GET options/utm/content` */
  utmContents: StatisticsCall<string[]>;
  /** `GET options/utm/term` */
  utmTerms: StatisticsCall<string[]>;
  /** Tag keys. `GET options/tag` */
  tags: StatisticsCall<string[]>;
  /** The values of one tag key: set `tag` to exactly one key. `GET options/tag/value` */
  tagValues: StatisticsCall<string[]>;
}

/**
 * Every statistics endpoint: the calls that take the filter, the filter options, the CSV export
 * and deleting statistics.
 *
 * @example
 * const total = await client.statistics.total({ id: domain.id, from: '2024-01-01', to: new Date() });
 * console.log(total.visitors, total.bounce_rate);
 */
export interface StatisticsApi extends StatisticsCalls {
  /** The values the filter can take (`statistics.options.pages(filter)`, ...). */
  options: FilterOptionsApi;
  /**
   * A selection of statistics as CSV files in a zip: set the parts to include (`pages: true`, ...).
   * Resolves with the zip's bytes. `GET /api/v1/statistics`
   */
  exportCsv(input: ExportCsvInput): Promise<Uint8Array>;
  /** Deletes the statistics of a range (all, `events` or `imported`); the API works asynchronously. `DELETE /api/v1/statistics` */
  delete(input: DeleteStatisticsInput): Promise<void>;
}

/** Method name to the path below `/api/v1/statistics/`. */
export const STATISTICS_PATHS = {
  overview: 'overview',
  sessionDuration: 'duration/session',
  timeOnPage: 'duration/page',
  utmSource: 'utm/source',
  utmMedium: 'utm/medium',
  utmCampaign: 'utm/campaign',
  utmContent: 'utm/content',
  utmTerm: 'utm/term',
  total: 'total',
  visitors: 'visitor',
  hostnames: 'hostname',
  pages: 'page',
  entryPages: 'page/entry',
  exitPages: 'page/exit',
  eventPages: 'event/page',
  conversionGoals: 'goals',
  events: 'events',
  eventMetadata: 'event/meta',
  listEvents: 'event/list',
  growth: 'growth',
  activeVisitors: 'active',
  timeOfDay: 'hours',
  minutes: 'minutes',
  weekdays: 'weekdays',
  languages: 'language',
  referrers: 'referrer',
  channels: 'channel',
  os: 'os',
  osVersions: 'os/version',
  browsers: 'browser',
  browserVersions: 'browser/version',
  countries: 'country',
  regions: 'region',
  cities: 'city',
  platforms: 'platform',
  screenClasses: 'screen',
  tags: 'tags',
  tagDetails: 'tag/details',
  funnel: 'funnel',
  sessions: 'session/list',
  sessionDetails: 'session/details',
  keywords: 'keywords',
  keywordPages: 'pages',
} as const satisfies Record<keyof StatisticsCalls, string>;

/** Method name to the path below `/api/v1/statistics/options/`. */
export const FILTER_OPTION_PATHS = {
  hostnames: 'hostname',
  pages: 'page',
  referrers: 'referrer',
  referrerNames: 'referrer/name',
  channels: 'channel',
  events: 'event',
  countries: 'country',
  regions: 'region',
  cities: 'city',
  languages: 'language',
  browsers: 'browser',
  os: 'os',
  metadataKeys: 'metadata/keys',
  metadata: 'metadata',
  utmSources: 'utm/source',
  utmMediums: 'utm/medium',
  utmCampaigns: 'utm/campaign',
  utmContents: 'utm/content',
  utmTerms: 'utm/term',
  tags: 'tag',
  tagValues: 'tag/value',
} as const satisfies Record<keyof FilterOptionsApi, string>;

/**
 * The filter fields an endpoint cannot do without, as the document says ("requires the event name
 * filter to be set", ...): missing, the call rejects with a `PirschConfigError` before any request.
 */
const REQUIRED: Partial<Record<string, readonly (keyof StatisticsFilter)[]>> = {
  eventPages: ['event'],
  eventMetadata: ['event', 'event_meta_key'],
  tagDetails: ['tag'],
  funnel: ['funnel_id'],
  sessionDetails: ['visitor_id', 'session_id'],
  keywordPages: ['keyword'],
  'options.tagValues': ['tag'],
};

/** The parts of the CSV export, as the document's table lists them. */
const EXPORT_PARTS = [
  'visitors', 'pages', 'entry_pages', 'exit_pages', 'session_duration', 'growth', 'languages', 'referrer', 'os', 'browser', 'country',
  'region', 'city', 'platform', 'screen', 'utm', 'conversion_goals', 'events', 'tags', 'hostname',
] as const;

const DELETE_KINDS: readonly string[] = ['', 'all', 'events', 'imported'];

function requireId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new PirschConfigError('id', `must be the domain ID (a non-empty string), got ${typeof id === 'string' ? '""' : typeof id}`);
  return id;
}

/** The query of one filter call, after the endpoint's own requirements. */
function queryFor(call: string, filter: ActiveVisitorsFilter) {
  const query = filterToQuery(filter);
  for (const field of REQUIRED[call] ?? []) {
    const value = query[field];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      throw new PirschConfigError(field, `must be set for statistics.${call} (the API needs it there)`);
    }
    // The tag values of one key: "requires exactly one tag to be set in the filter".
    if (call === 'options.tagValues' && Array.isArray(value) && value.length !== 1) {
      throw new PirschConfigError(field, 'must be exactly one tag key for statistics.options.tagValues');
    }
  }
  return query;
}

/** Builds `client.statistics` on a requester. */
export function createStatisticsApi(request: ApiRequester): StatisticsApi {
  const get = (call: string, path: string) => async (filter: ActiveVisitorsFilter) =>
    request({ method: 'GET', path: `/api/v1/statistics/${path}`, query: queryFor(call, filter), idempotent: true, call: `statistics.${call}` });

  const calls: Partial<Record<keyof StatisticsCalls, (filter: ActiveVisitorsFilter) => Promise<unknown>>> = {};
  for (const [name, path] of Object.entries(STATISTICS_PATHS) as [keyof StatisticsCalls, string][]) calls[name] = get(name, path);
  // "Filters do not apply to this endpoint": only the domain goes out.
  calls.overview = async (filter) =>
    request({ method: 'GET', path: '/api/v1/statistics/overview', query: { id: requireId(filter?.id) }, idempotent: true, call: 'statistics.overview' });

  const options: Partial<Record<keyof FilterOptionsApi, (filter: ActiveVisitorsFilter) => Promise<unknown>>> = {};
  for (const [name, path] of Object.entries(FILTER_OPTION_PATHS) as [keyof FilterOptionsApi, string][]) {
    options[name] = get(`options.${name}`, `options/${path}`);
  }

  return {
    ...(calls as StatisticsCalls),
    options: options as FilterOptionsApi,
    async exportCsv(input) {
      const query: NonNullable<Parameters<ApiRequester>[0]['query']> = {
        id: requireId(input?.id),
        from: formatDay(input.from, 'from'),
        to: formatDay(input.to, 'to'),
      };
      if (input.access !== undefined) query.access = input.access;
      for (const part of EXPORT_PARTS) {
        const value = input[part];
        if (value === undefined) continue;
        if (typeof value !== 'boolean') throw new PirschConfigError(part, `must be true or false, got ${typeof value}`);
        if (value) query[part] = true;
      }
      const bytes = await request<Uint8Array>({ method: 'GET', path: '/api/v1/statistics', query, idempotent: true, binary: true, call: 'statistics.exportCsv' });
      // An empty answer has no body to read: no bytes.
      return bytes ?? new Uint8Array();
    },
    async delete(input) {
      const kind = input?.kind ?? '';
      if (!DELETE_KINDS.includes(kind)) throw new PirschConfigError('kind', `must be '', 'all', 'events' or 'imported', got ${JSON.stringify(kind)}`);
      const body = { id: requireId(input?.id), kind, from: formatDay(input.from, 'from'), to: formatDay(input.to, 'to') };
      await request<unknown>({ method: 'DELETE', path: '/api/v1/statistics', body, idempotent: true, call: 'statistics.delete' });
    },
  };
}
