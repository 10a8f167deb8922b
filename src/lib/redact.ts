/**
 * Download addresses may carry credentials (`https://user:token@mirror/...`, presigned query strings).
 * Everything pio-deploy prints about a URL goes through here first.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not parseable: still hide anything that looks like `scheme://user:pass@`.
    return url.replace(/\/\/[^/@\s]*@/, '//***@').replace(/\?.*$/, '?***');
  }
  if (parsed.username || parsed.password) {
    parsed.username = '***';
    parsed.password = '';
  }
  if (parsed.search) parsed.search = '?***';
  return parsed.toString();
}

/**
 * Replaces every occurrence of the given secret values in `text` (child output shown on failure may
 * echo the environment it was given). Short values are skipped: masking "1" would mangle any output.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  const sorted = [...new Set(secrets)].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of sorted) result = result.split(secret).join('***');
  return result;
}

/**
 * Collects the secret parts of an environment: passwords and user names inside URL values, and whole
 * values of variables whose names say they are secret.
 */
export function secretValuesOf(env: Record<string, string | undefined>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (/SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY|API_KEY|PRIVATE/i.test(name)) secrets.push(value);
    for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^/@\s]+)@/gi)) {
      const userinfo = match[1] ?? '';
      secrets.push(userinfo);
      const [user, password] = userinfo.split(':');
      if (password) secrets.push(password, safeDecode(password));
      // A user name is only worth hiding when it looks like a key (access key ids), not `pio`/`admin`.
      if (user && password && user.length >= 8) secrets.push(user, safeDecode(user));
    }
  }
  return secrets.filter(Boolean);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
