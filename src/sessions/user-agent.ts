/**
 * Describes the device behind a User-Agent header in a few words, such as "Firefox on Linux",
 * for the list of a user's sessions. It recognizes the common browsers and systems only;
 * anything else reads "Unknown browser" or "unknown system".
 */
export function describeUserAgent(userAgent: string): string {
  if (userAgent.trim() === '') {
    return 'Unknown device';
  }

  return `${browserOf(userAgent)} on ${systemOf(userAgent)}`;
}

// Order matters: Edge, Opera and Samsung Internet also send "Chrome/", and Chrome sends "Safari/".
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|CriOS|Chromium|HeadlessChrome)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
];

// iOS and Android before macOS and Linux: iPhones claim "like Mac OS X", Android claims "Linux".
const SYSTEMS: [RegExp, string][] = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

function browserOf(userAgent: string): string {
  return BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'Unknown browser';
}

function systemOf(userAgent: string): string {
  return SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'unknown system';
}
