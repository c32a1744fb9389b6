/**
 * Types of the read and management API, taken from the examples of the API document (v1). Field
 * names are the API's own (snake_case) so a response can be passed on unchanged. Timestamps are
 * RFC 3339 strings, as the API sends them.
 */

/** A calendar day: a `Date` (its UTC day is used) or a `YYYY-MM-DD` string. */
export type DateInput = Date | string;

/** The platform of a visitor as the API names it. */
export type Platform = 'desktop' | 'mobile' | 'unknown';

/**
 * The filter of every statistics call, with the parameters of the document's Filter table.
 * `from` and `to` take a `Date` (sent as its UTC day) or `YYYY-MM-DD`; `meta` is sent as
 * `meta_<key>=<value>` (only events with all pairs count).
 *
 * @example
 * const filter: StatisticsFilter = { id: domain.id, from: '2021-05-08', to: new Date(), path: '/home' };
 */
export interface StatisticsFilter {
  /** The domain ID (see `domains.list()`). */
  id: string;
  /** First day, inclusive. */
  from: DateInput;
  /** Last day, inclusive. */
  to: DateInput;
  /** Query the past seconds instead of the date range (at most 3600). */
  start?: number;
  path?: string;
  entry_path?: string;
  exit_path?: string;
  /** A regular expression to filter and group pages (used with conversion goals). */
  pattern?: string;
  /** The name of an event. */
  event?: string;
  /** An event meta key, to break down a single event (`statistics.eventMetadata`). */
  event_meta_key?: string;
  /** Event metadata to filter for, sent as `meta_<key>=<value>`. */
  meta?: Record<string, string>;
  /** ISO-639-1 code, like `en`. */
  language?: string;
  /** ISO-3166 alpha-2 code, like `jp`. */
  country?: string;
  city?: string;
  referrer?: string;
  referrer_name?: string;
  os?: string;
  browser?: string;
  platform?: Platform;
  /** `UHD 5K`, `UHD 4K`, `WQHD`, `Full HD`, `HD`, `XL`, `L`, `M`, `S`, `XS` (older: `XXL`). */
  screen_class?: string;
  /** The API reads it as a string; a number is sent the same way. */
  screen_width?: string | number;
  screen_height?: string | number;
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  utm_content?: string;
  utm_term?: string;
  /** Limits the number of results (the API caps it at 100). */
  limit?: number;
  /** Include the average time on page in page statistics. */
  include_avg_time_on_page?: boolean;
}

/** The filter of `statistics.activeVisitors`: the date range is optional, `start` (seconds) counts. */
export type ActiveVisitorsFilter = Omit<StatisticsFilter, 'from' | 'to'> & Partial<Pick<StatisticsFilter, 'from' | 'to'>>;

// --- Statistics responses -------------------------------------------------------------------

/** `statistics.sessionDuration`: average session duration per day. */
export interface TimeSpentStats {
  day: string;
  average_time_spent_seconds: number;
}

/** `statistics.timeOnPage`: average time on page per day. */
export interface PageTimeSpentStats extends TimeSpentStats {
  path: string;
}

/** Visitors and their share, the base of every breakdown by one dimension. */
export interface RelativeVisitorStats {
  visitors: number;
  relative_visitors: number;
}

export interface UtmSourceStats extends RelativeVisitorStats {
  utm_source: string;
}
export interface UtmMediumStats extends RelativeVisitorStats {
  utm_medium: string;
}
export interface UtmCampaignStats extends RelativeVisitorStats {
  utm_campaign: string;
}
export interface UtmContentStats extends RelativeVisitorStats {
  utm_content: string;
}
export interface UtmTermStats extends RelativeVisitorStats {
  utm_term: string;
}

/** `statistics.total`: visitors, views, sessions and bounces of the whole range. */
export interface TotalVisitorStats {
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  bounce_rate: number;
}

/** `statistics.visitors`: the totals per day. */
export interface VisitorStats extends TotalVisitorStats {
  day: string;
}

/** `statistics.pages`. `average_time_spent_seconds` is filled with `include_avg_time_on_page`. */
export interface PageStats {
  path: string;
  title: string;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  relative_visitors: number;
  relative_views: number;
  bounce_rate: number;
  average_time_spent_seconds: number;
}

/** `statistics.entryPages`. */
export interface EntryStats {
  path: string;
  title: string;
  visitors: number;
  sessions: number;
  entries: number;
  entry_rate: number;
  average_time_spent_seconds: number;
}

/** `statistics.exitPages`. */
export interface ExitStats {
  path: string;
  title: string;
  visitors: number;
  sessions: number;
  exits: number;
  exit_rate: number;
}

/** `statistics.conversionGoals`: each goal with its numbers. */
export interface ConversionGoalStats {
  page_goal: ConversionGoal;
  stats: {
    visitors: number;
    views: number;
    /** Conversion rate, 0 to 1. */
    cr: number;
  };
}

/** `statistics.events`: every event with its metadata keys. */
export interface EventStats {
  name: string;
  visitors: number;
  views: number;
  cr: number;
  average_duration_seconds: number;
  meta_keys: string[];
}

/** `statistics.eventMetadata`: one event broken down by the values of one meta key. */
export interface EventMetaStats {
  name: string;
  visitors: number;
  views: number;
  cr: number;
  average_duration_seconds: number;
  meta_value: string;
}

/** `statistics.listEvents`: events grouped by name and metadata. */
export interface EventListStats {
  name: string;
  meta: Record<string, string>;
  visitors: number;
  count: number;
}

/** `statistics.growth`: change against the previous period of the same length (0.34 = +34 %). */
export interface Growth {
  visitors_growth: number;
  views_growth: number;
  sessions_growth: number;
  bounces_growth: number;
  time_spent_growth: number;
}

/** `statistics.activeVisitors`: visitors of the past `start` seconds, per page and in all. */
export interface ActiveVisitorStats {
  stats: { path: string; visitors: number }[];
  visitors: number;
}

/** `statistics.timeOfDay`: the totals per hour of the day (0 to 23). */
export interface VisitorHourStats {
  hour: number;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  bounce_rate: number;
}

export interface LanguageStats extends RelativeVisitorStats {
  language: string;
}

/** `statistics.referrers`. */
export interface ReferrerStats {
  referrer: string;
  referrer_name: string;
  referrer_icon: string;
  visitors: number;
  sessions: number;
  relative_visitors: number;
  bounces: number;
  bounce_rate: number;
}

export interface OSStats extends RelativeVisitorStats {
  os: string;
}
export interface OSVersionStats extends OSStats {
  os_version: string;
}
export interface BrowserStats extends RelativeVisitorStats {
  browser: string;
}
export interface BrowserVersionStats extends BrowserStats {
  browser_version: string;
}
export interface CountryStats extends RelativeVisitorStats {
  country: string;
}
export interface CityStats extends RelativeVisitorStats {
  city: string;
}

/** `statistics.platforms`: visitors per platform (one object, not a list). */
export interface PlatformStats {
  platform_desktop: number;
  platform_mobile: number;
  platform_unknown: number;
  relative_platform_desktop: number;
  relative_platform_mobile: number;
  relative_platform_unknown: number;
}

export interface ScreenClassStats extends RelativeVisitorStats {
  screen_class: string;
}

/** `statistics.keywords` (needs the Google Search Console integration). */
export interface KeywordStats {
  keys: string[];
  clicks: number;
  impressions: number;
  ctr: number;
  position: number;
}

// --- Management: responses -------------------------------------------------------------------

/** Fields every stored object has. */
export interface ApiObject {
  id: string;
  def_time: string;
  mod_time: string;
}

/** A domain (site) as `domains.list()` and `domains.create()` return it. */
export interface Domain extends ApiObject {
  user_id: string;
  hostname: string;
  subdomain: string;
  identification_code: string;
  public: boolean;
  google_user_id: string | null;
  google_user_email: string | null;
  gsc_domain: string | null;
  new_owner: string | null;
  /** Present in the answer to `create` (and today in listings). */
  timezone?: string;
  /** Present in the answer to `create` (and today in listings). */
  group_by_title?: boolean;
  /** The caller's role on the domain, e.g. `Owner`; empty for a domain client. */
  user_role: string;
}

/** The answer to `domains.resetIdentificationCode()`. */
export interface IdentificationCode {
  identification_code: string;
}

/** A link with read access to a domain's dashboard (`https://<subdomain>.pirsch.io/?access=<code>`). */
export interface AccessLink extends ApiObject {
  domain_id: string;
  code: string;
  description: string;
}

/** A member of a domain and the user behind it. */
export interface Member extends ApiObject {
  user_id: string;
  domain_id: string;
  /** `owner`, `admin` or `viewer`. */
  role: string;
  user: {
    id: string;
    email: string;
    full_name: string;
    picture: string;
  };
}

/** A role that `members.updateRole()` can give (owner needs a domain transfer). */
export type MemberRole = 'admin' | 'viewer';

/** A scope value of an API client: read, write, or none. */
export type ClientScope = 'r' | 'w' | '';

/** An API (OAuth) client of a domain. The secret is only returned once, by `clients.create()`. */
export interface OAuthClient extends ApiObject {
  domain_id: string;
  /** 32 characters. */
  client_id: string;
  description: string;
  scope_hit: ClientScope;
  scope_event: ClientScope;
  scope_statistics: ClientScope;
  scope_domains: ClientScope;
}

/** The answer to `clients.create()`: the client with its secret (64 characters). */
export interface CreatedOAuthClient extends OAuthClient {
  client_secret: string;
}

/** An email report for one address. */
export interface EmailReport extends ApiObject {
  domain_id: string;
  email: string;
  /** Weeks between reports. */
  interval: number;
  next_report: string;
}

/** A conversion goal. */
export interface ConversionGoal extends ApiObject {
  domain_id: string;
  name: string;
  /** The path pattern as configured, e.g. `/checkout/**`. */
  path_pattern: string;
  /** The regular expression generated from `path_pattern`; usable as the filter's `pattern`. */
  pattern: string;
  /** `null` when unset. */
  visitor_goal: number | null;
  /** `null` when unset. */
  cr_goal: number | null;
  delete_reached: boolean;
  email_reached: boolean;
}

// --- Management: request bodies ----------------------------------------------------------------

/** The body of `domains.create()`. */
export interface CreateDomainInput {
  hostname: string;
  subdomain: string;
  /** An IANA time zone, e.g. `Europe/Berlin`. */
  timezone: string;
}

/** The body of `accessLinks.create()`. */
export interface CreateAccessLinkInput {
  domain_id: string;
  description: string;
}

/** The body of `accessLinks.update()`. */
export interface UpdateAccessLinkInput {
  id: string;
  description: string;
}

/** The body of `clients.create()`. Hits and events can only be written, statistics only read. */
export interface CreateClientInput {
  domain_id: string;
  description: string;
  scope_hit?: 'w' | '';
  scope_event?: 'w' | '';
  scope_statistics?: 'r' | '';
  scope_domains?: ClientScope;
}

/** The body of `clients.update()`. */
export interface UpdateClientInput {
  id: string;
  description: string;
}

/** The body of `reports.create()`: one report per address. */
export interface CreateEmailReportInput {
  domain_id: string;
  emails: string[];
  /** Weeks between reports. */
  interval: number;
}

/** The body of `reports.update()`. */
export interface UpdateEmailReportInput {
  id: string;
  /** Weeks between reports. */
  interval: number;
}

/** The body of `goals.create()`. */
export interface CreateGoalInput {
  domain_id: string;
  name: string;
  /** e.g. `/checkout/**` (`*` is one path segment, `**` any number). */
  path_pattern: string;
  /** Visitor goal; 0 to leave unset. */
  visitors?: number;
  /** Conversion rate goal; 0 to leave unset. */
  cr?: number;
  delete_reached?: boolean;
  email_reached?: boolean;
}

/** The body of `goals.update()`. */
export interface UpdateGoalInput extends CreateGoalInput {
  id: string;
}
