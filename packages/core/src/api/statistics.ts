import type { ApiRequester } from '../types.js';
import { filterToQuery } from './filter.js';
import type {
  ActiveVisitorStats,
  ActiveVisitorsFilter,
  BrowserStats,
  BrowserVersionStats,
  CityStats,
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
 * Every statistics endpoint, each a `GET /api/v1/statistics/<path>` with the filter as query.
 *
 * @example
 * const total = await client.statistics.total({ id: domain.id, from: '2024-01-01', to: new Date() });
 * console.log(total.visitors, total.bounce_rate);
 */
export interface StatisticsApi {
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
  /** The totals per day. `GET visitor` */
  visitors: StatisticsCall<VisitorStats[]>;
  /** `GET page` */
  pages: StatisticsCall<PageStats[]>;
  /** `GET page/entry` */
  entryPages: StatisticsCall<EntryStats[]>;
  /** `GET page/exit` */
  exitPages: StatisticsCall<ExitStats[]>;
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
  /** `GET language` */
  languages: StatisticsCall<LanguageStats[]>;
  /** `GET referrer` */
  referrers: StatisticsCall<ReferrerStats[]>;
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
  /** `GET city` */
  cities: StatisticsCall<CityStats[]>;
  /** `GET platform` */
  platforms: StatisticsCall<PlatformStats>;
  /** `GET screen` */
  screenClasses: StatisticsCall<ScreenClassStats[]>;
  /** Needs the Google Search Console integration. `GET keywords` */
  keywords: StatisticsCall<KeywordStats[]>;
}

/** Method name to the path below `/api/v1/statistics/`. */
export const STATISTICS_PATHS = {
  sessionDuration: 'duration/session',
  timeOnPage: 'duration/page',
  utmSource: 'utm/source',
  utmMedium: 'utm/medium',
  utmCampaign: 'utm/campaign',
  utmContent: 'utm/content',
  utmTerm: 'utm/term',
  total: 'total',
  visitors: 'visitor',
  pages: 'page',
  entryPages: 'page/entry',
  exitPages: 'page/exit',
  conversionGoals: 'goals',
  events: 'events',
  eventMetadata: 'event/meta',
  listEvents: 'event/list',
  growth: 'growth',
  activeVisitors: 'active',
  timeOfDay: 'hours',
  languages: 'language',
  referrers: 'referrer',
  os: 'os',
  osVersions: 'os/version',
  browsers: 'browser',
  browserVersions: 'browser/version',
  countries: 'country',
  cities: 'city',
  platforms: 'platform',
  screenClasses: 'screen',
  keywords: 'keywords',
} as const satisfies Record<keyof StatisticsApi, string>;

/** Builds `client.statistics` on a requester. */
export function createStatisticsApi(request: ApiRequester): StatisticsApi {
  const api: Partial<Record<keyof StatisticsApi, (filter: ActiveVisitorsFilter) => Promise<unknown>>> = {};
  for (const [name, path] of Object.entries(STATISTICS_PATHS) as [keyof StatisticsApi, string][]) {
    api[name] = async (filter) =>
      request({
        method: 'GET',
        path: `/api/v1/statistics/${path}`,
        query: filterToQuery(filter),
        idempotent: true,
        call: `statistics.${name}`,
      });
  }
  return api as StatisticsApi;
}
