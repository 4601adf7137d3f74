/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time.c - the times a Sigstore check reads and prints: RFC 3339 in the trust
 * root, ASN.1 times in certificates, a TSTInfo genTime, all as microseconds since the epoch.
 */
#include "sigstore/steps.h"

#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (era arithmetic, exact for all years). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool civil_ok(int y, int mo, int d, int h, int mi, int s)
{
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

static int64_t civil_us(int y, int mo, int d, int h, int mi, int s)
{
    return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 * USEC + (int64_t)s * USEC;
}

/* Fractional seconds ".ddd" at *p (advanced past them), in microseconds (truncated). */
static int64_t fraction_us(const char **p)
{
    int64_t us = 0, scale = 100000;
    if (**p != '.') return 0;
    (*p)++;
    while (**p >= '0' && **p <= '9') {
        us += (**p - '0') * scale;
        scale /= 10;
        (*p)++;
    }
    return us;
}

/* RFC 3339 as protobuf JSON writes Timestamps: 2021-01-12T11:53:27Z, .999Z, or +hh:mm. */
bool omsig_sgs_parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec) || !civil_ok(y, mo, d, h, mi, sec))
        return false;
    const char *p = s + 19;
    int64_t us = civil_us(y, mo, d, h, mi, sec) + fraction_us(&p);
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        *out = us;
        return true;
    }
    int oh, om;
    if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
        digits(p + 4, 2, &om) && p[6] == '\0') {
        const int64_t off = ((int64_t)oh * 60 + om) * 60 * USEC;
        *out = *p == '+' ? us - off : us + off;
        return true;
    }
    return false;
}

bool omsig_sgs_asn1_time_us(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return false;
    *out = civil_us(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                    tm.tm_sec);
    return true;
}

/* A TSTInfo genTime, YYYYMMDDHHMMSS[.f*]Z, keeping the fraction as the reference does. */
bool omsig_sgs_gentime_us(const ASN1_GENERALIZEDTIME *t, int64_t *out)
{
    if (!t) return false;
    const int n = ASN1_STRING_length(t);
    char buf[64];
    if (n < 15 || n >= (int)sizeof buf) return false;
    memcpy(buf, ASN1_STRING_get0_data(t), (size_t)n);
    buf[n] = '\0';
    int y, mo, d, h, mi, s;
    if (!digits(buf, 4, &y) || !digits(buf + 4, 2, &mo) || !digits(buf + 6, 2, &d) ||
        !digits(buf + 8, 2, &h) || !digits(buf + 10, 2, &mi) || !digits(buf + 12, 2, &s) ||
        !civil_ok(y, mo, d, h, mi, s))
        return false;
    const char *p = buf + 14;
    const int64_t us = civil_us(y, mo, d, h, mi, s) + fraction_us(&p);
    if (*p != 'Z' || p[1] != '\0') return false;
    *out = us;
    return true;
}

/* Whole seconds, rounded towards the past. */
time_t omsig_sgs_us_to_time(int64_t us)
{
    return (time_t)(us >= 0 ? us / USEC : (us - USEC + 1) / USEC);
}

void omsig_sgs_format_time(int64_t us, char out[32])
{
    const time_t t = omsig_sgs_us_to_time(us);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

/* YYYY-MM-DD of a time in microseconds. */
void omsig_sgs_format_date(int64_t us, char out[16])
{
    const time_t t = omsig_sgs_us_to_time(us);
    struct tm tm;
    if (us <= 0 || !gmtime_r(&t, &tm)) snprintf(out, 16, "unknown date");
    else strftime(out, 16, "%Y-%m-%d", &tm);
}
