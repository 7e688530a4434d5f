/* load.c - from a file or a buffer to a model: size checks, JSON parsing, format detection from
 * the content, the reader, then nn_model_build. Never returns a partial model. */
#include "formats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int looks_binary(const char *data, size_t len)
{
    size_t n = len < 4096 ? len : 4096, odd = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == 0) return 1;
        if (c < 32 && c != '\n' && c != '\r' && c != '\t') odd++;
    }
    return odd * 20 > n;
}

/* Python's json module writes NaN, Infinity and -Infinity for non-finite floats (a training run
 * that diverged); jansson reports those as an "invalid token" or an "overflow". Its message shows
 * the token ('NaN', 'nan') or only the sign ('-'), in which case the token follows at `position`. */
static int nonfinite_token(const json_error_t *je, const char *data, size_t len)
{
    static const char *const words[] = {"nan", "inf"};
    const char *near = strstr(je->text, "near '");
    size_t pos = je->position > 0 ? (size_t)je->position : len;
    for (int i = 0; i < 2; i++) {
        if (near && !strncasecmp(near + 6, words[i], 3)) return 1;
        if (pos + 3 <= len && !strncasecmp(data + pos, words[i], 3)) return 1;
    }
    return strstr(je->text, "overflow") != NULL;
}

nn_model *nn_model_load_buffer(const char *data, size_t len, const char *name, nn_error *err)
{
    if (!name) name = "model";
    if (!data || len == 0) {
        nn_fail(err, NN_ERR_FORMAT, name, "empty file");
        return NULL;
    }
    if (len > NN_MAX_FILE_BYTES) {
        nn_fail(err, NN_ERR_LIMIT, name, "file too large (%zu MB; models are at most %zu MB)", len >> 20,
                NN_MAX_FILE_BYTES >> 20);
        return NULL;
    }
    if (looks_binary(data, len)) {
        nn_fail(err, NN_ERR_FORMAT, name, "not a model file (binary data, expected JSON)");
        return NULL;
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) data += 3, len -= 3; /* UTF-8 BOM */

    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (nonfinite_token(&je, data, len))
            nn_fail(err, NN_ERR_VALUE, name, "non-finite number (NaN, Infinity or overflow) at line %d", je.line);
        else if (strstr(je.text, "premature end") || strstr(je.text, "unexpected end"))
            nn_fail(err, NN_ERR_FORMAT, name, "truncated JSON (ends at line %d)", je.line);
        else
            nn_fail(err, NN_ERR_FORMAT, name, "not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
        return NULL;
    }
    nn_spec spec;
    nn_spec_init(&spec);
    nn_status st;
    if (!json_is_object(root)) st = nn_fail(err, NN_ERR_FORMAT, name, "not a model file (JSON, but not an object)");
    else if (json_object_get(root, "layers"))
        st = nn_read_keras(&spec, root, name, err);
    else if (json_object_get(root, "model_data") || json_object_get(root, "state_dict"))
        st = nn_read_guitarml(&spec, root, name, err);
    else if (json_object_get(root, "architecture"))
        st = nn_read_nam(&spec, root, name, err);
    else
        st = nn_fail(err, NN_ERR_FORMAT, name,
                     "not a model file (JSON without \"layers\", \"model_data\" or \"architecture\")");
    json_decref(root);
    nn_model *m = st == NN_OK ? nn_model_build(&spec, name, err) : NULL;
    nn_spec_free(&spec);
    return m;
}

nn_model *nn_model_load_file(const char *path, nn_error *err)
{
    if (!path || !*path) {
        nn_fail(err, NN_ERR_ARG, "model", "no file name given");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        nn_fail(err, NN_ERR_IO, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);
        fclose(f);
        nn_fail(err, NN_ERR_IO, path, dir ? "is a directory, not a model file" : "not a regular file");
        return NULL;
    }
    if ((unsigned long long)st.st_size > NN_MAX_FILE_BYTES) {
        fclose(f);
        nn_fail(err, NN_ERR_LIMIT, path, "file too large (%llu MB; models are at most %zu MB)",
                (unsigned long long)st.st_size >> 20, NN_MAX_FILE_BYTES >> 20);
        return NULL;
    }
    size_t cap = (size_t)st.st_size;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        nn_fail(err, NN_ERR_NOMEM, path, "out of memory");
        return NULL;
    }
    size_t len = fread(buf, 1, cap + 1, f); /* +1: notice a file that grew meanwhile */
    int bad = ferror(f) || len > cap;
    fclose(f);
    if (bad) {
        free(buf);
        nn_fail(err, NN_ERR_IO, path, "read error (file changed while reading?)");
        return NULL;
    }
    nn_model *m = nn_model_load_buffer(buf, len, path, err);
    free(buf);
    return m;
}
