/*
 * The C floor for benches/store.rs: the store's two measured operations written as
 * plain C loops over the same files, with nothing MAPI-shaped but the output.
 *
 * floor_import(dir): readdir, read every *.eml whole, split the headers from the body,
 *   keep Subject, From (name and address), Date (as a FILETIME) and the body: what a
 *   sync imports.
 * floor_rows(allocate_buffer, allocate_more, free_buffer): every imported message as a
 *   row of PR_SUBJECT_W, PR_SENDER_NAME_W, PR_MESSAGE_DELIVERY_TIME and PR_ENTRYID in an
 *   SRowSet made with the given allocators (UTF-8 to UTF-16 for the strings), then freed
 *   as FreeProws does: what QueryRows hands out and its caller frees.
 * floor_reset(): forgets every message.
 *
 * Dates are read in the one form the bench writes ("Tue, 1 Dec 2026 HH:MM:SS +0000"), so
 * the floor does less than the store, which reads every RFC 5322 form.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t SCODE;
typedef uint32_t ULONG;
typedef SCODE (*allocate_buffer_fn)(ULONG cb, void **out);
typedef SCODE (*allocate_more_fn)(ULONG cb, void *root, void **out);
typedef ULONG (*free_buffer_fn)(void *p);

/* mapidefs.h's SPropValue, SRow, SRowSet (64-bit layout). */
typedef struct {
    ULONG ulPropTag;
    ULONG dwAlignPad;
    union {
        struct { ULONG lo, hi; } ft;
        uint16_t *lpszW;
        struct { ULONG cb; unsigned char *lpb; } bin;
        int64_t align;
    } Value;
} PropValue;
typedef struct { ULONG pad; ULONG cValues; PropValue *lpProps; } Row;
typedef struct { ULONG cRows; Row aRow[1]; } RowSet;

typedef struct {
    char *subject, *sender, *address, *body;
    unsigned long long date;
    unsigned char id[96];
    ULONG id_cb;
} Msg;

static Msg *msgs;
static size_t count, cap;

void floor_reset(void) {
    for (size_t i = 0; i < count; i++) {
        free(msgs[i].subject);
        free(msgs[i].sender);
        free(msgs[i].address);
        free(msgs[i].body);
    }
    free(msgs);
    msgs = NULL;
    count = cap = 0;
}

static char *copy(const char *s, size_t n) {
    char *c = malloc(n + 1);
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

static unsigned long long date_of(const char *v, size_t n) {
    int day = 0, h = 0, m = 0, s = 0;
    char text[64];
    if (n >= sizeof text) n = sizeof text - 1;
    memcpy(text, v, n);
    text[n] = 0;
    if (sscanf(text, "%*3s, %d Dec 2026 %d:%d:%d", &day, &h, &m, &s) != 4) return 0;
    /* 2026-12-01 00:00 UTC, plus the day, hours, minutes, seconds. */
    unsigned long long seconds = (unsigned long long)(day - 1) * 86400 + h * 3600 + m * 60 + s;
    return 134405568000000000ULL + seconds * 10000000ULL;
}

static void parse(const char *name, const char *text, size_t len) {
    Msg msg = {0};
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r') n--;
        if (n == 0) { p = eol + 1; break; }
        const char *colon = memchr(p, ':', n);
        if (colon) {
            const char *v = colon + 1;
            while (v < p + n && *v == ' ') v++;
            size_t vn = (size_t)(p + n - v), hn = (size_t)(colon - p);
            if (hn == 7 && strncmp(p, "Subject", 7) == 0) msg.subject = copy(v, vn);
            else if (hn == 4 && strncmp(p, "Date", 4) == 0) msg.date = date_of(v, vn);
            else if (hn == 4 && strncmp(p, "From", 4) == 0) {
                const char *lt = memchr(v, '<', vn), *gt = lt ? memchr(lt, '>', (size_t)(v + vn - lt)) : NULL;
                if (lt && gt) {
                    size_t nn = (size_t)(lt - v);
                    while (nn && v[nn - 1] == ' ') nn--;
                    msg.sender = copy(v, nn);
                    msg.address = copy(lt + 1, (size_t)(gt - lt - 1));
                } else {
                    msg.sender = copy(v, vn);
                    msg.address = copy(v, vn);
                }
            }
        }
        p = eol + 1;
    }
    msg.body = p < end ? copy(p, (size_t)(end - p)) : copy("", 0);
    if (!msg.subject) msg.subject = copy("", 0);
    if (!msg.sender) msg.sender = copy("", 0), msg.address = copy("", 0);
    size_t nl = strlen(name);
    if (nl > sizeof msg.id - 21) nl = sizeof msg.id - 21;
    memset(msg.id, 0, 21);
    msg.id[20] = 'M';
    memcpy(msg.id + 21, name, nl);
    msg.id_cb = (ULONG)(21 + nl);
    if (count == cap) {
        cap = cap ? cap * 2 : 1024;
        msgs = realloc(msgs, cap * sizeof *msgs);
    }
    msgs[count++] = msg;
}

long floor_import(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    char path[4096];
    char *buf = NULL;
    size_t buf_cap = 0;
    long imported = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t nl = strlen(e->d_name);
        if (nl < 4 || strcmp(e->d_name + nl - 4, ".eml") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        if (size < 0) { fclose(f); continue; }
        if ((size_t)size + 1 > buf_cap) {
            buf_cap = (size_t)size + 1;
            buf = realloc(buf, buf_cap);
        }
        size_t got = fread(buf, 1, (size_t)size, f);
        fclose(f);
        parse(e->d_name, buf, got);
        imported++;
    }
    closedir(d);
    free(buf);
    return imported;
}

/* UTF-8 to NUL-terminated UTF-16 in a child of `root`. */
static uint16_t *wide(allocate_more_fn more, void *root, const char *s) {
    size_t n = strlen(s);
    uint16_t *w = NULL;
    if (more((ULONG)((n + 1) * 2), root, (void **)&w) != 0) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        if (c < 0x80) cp = c, i += 1;
        else if (c < 0xE0) cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3F), i += 2;
        else if (c < 0xF0) cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), i += 3;
        else cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F), i += 4;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[j++] = (uint16_t)(0xD800 + (cp >> 10));
            w[j++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            w[j++] = (uint16_t)cp;
        }
    }
    w[j] = 0;
    return w;
}

long floor_rows(allocate_buffer_fn buffer, allocate_more_fn more, free_buffer_fn free_buffer) {
    RowSet *set = NULL;
    if (buffer((ULONG)(sizeof(void *) + (count ? count : 1) * sizeof(Row)), (void **)&set) != 0) return -1;
    set->cRows = 0;
    for (size_t i = 0; i < count; i++) {
        PropValue *v = NULL;
        if (buffer(4 * sizeof(PropValue), (void **)&v) != 0) return -1;
        v[0].ulPropTag = 0x0037001F;
        v[0].Value.lpszW = wide(more, v, msgs[i].subject);
        v[1].ulPropTag = 0x0C1A001F;
        v[1].Value.lpszW = wide(more, v, msgs[i].sender);
        v[2].ulPropTag = 0x0E060040;
        v[2].Value.ft.lo = (ULONG)msgs[i].date;
        v[2].Value.ft.hi = (ULONG)(msgs[i].date >> 32);
        v[3].ulPropTag = 0x0FFF0102;
        v[3].Value.bin.cb = msgs[i].id_cb;
        more(msgs[i].id_cb, v, (void **)&v[3].Value.bin.lpb);
        memcpy(v[3].Value.bin.lpb, msgs[i].id, msgs[i].id_cb);
        set->aRow[i].pad = 0;
        set->aRow[i].cValues = 4;
        set->aRow[i].lpProps = v;
        set->cRows = (ULONG)(i + 1);
    }
    long rows = (long)set->cRows;
    for (ULONG i = 0; i < set->cRows; i++) free_buffer(set->aRow[i].lpProps);
    free_buffer(set);
    return rows;
}
