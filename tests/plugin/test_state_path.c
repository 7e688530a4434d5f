/* test_state_path.c - plugin/state_path.c: the model's path as hosts hand it back on restore.
 * lilv counts the terminating NUL in size, Carla does not (and the byte after may be anything):
 * both give the path. Nothing, binary data (a NUL inside) and a path longer than the plugin
 * keeps are refused, with a reason, and leave dst empty. */
#include "check.h"
#include "state_path.h"

#include <stdlib.h>
#include <string.h>

#define CAP 64

static void accepts(const char *what, const void *value, size_t size, const char *want)
{
    char dst[CAP];
    memset(dst, 'x', sizeof dst);
    const char *why = state_path_read(value, size, dst, sizeof dst);
    CHECK(!why, "%s: refused: %s", what, why);
    CHECK(!strcmp(dst, want), "%s: \"%s\", expected \"%s\"", what, dst, want);
}

static void refuses(const char *what, const void *value, size_t size, const char *reason)
{
    char dst[CAP];
    memset(dst, 'x', sizeof dst);
    const char *why = state_path_read(value, size, dst, sizeof dst);
    CHECK(why && strstr(why, reason), "%s: %s, expected a refusal saying \"%s\"", what, why ? why : "accepted", reason);
    CHECK(dst[0] == '\0', "%s: refused, but dst is \"%.10s...\"", what, dst);
}

int main(void)
{
    const char *path = "/home/me/models/zendrive.json";
    /* lilv: the NUL is inside size. */
    accepts("lilv (size = strlen + 1)", path, strlen(path) + 1, path);
    /* Carla: size = strlen, and what follows is not a NUL (only `size` bytes may be read). */
    char carla[64];
    memcpy(carla, path, strlen(path));
    memset(carla + strlen(path), '!', sizeof carla - strlen(path));
    accepts("Carla (size = strlen, no NUL after)", carla, strlen(path), path);
    accepts("one byte", "a", 1, "a");
    /* The longest that fits: CAP - 1 bytes, either way. */
    char longest[CAP + 1];
    memset(longest, 'p', CAP - 1);
    longest[CAP - 1] = '\0';
    accepts("CAP - 1 bytes (Carla)", longest, CAP - 1, longest);
    accepts("CAP - 1 bytes + NUL (lilv)", longest, CAP, longest);

    refuses("nothing", path, 0, "empty");
    refuses("NULL", NULL, 0, "empty");
    refuses("a lone NUL", "", 1, "empty");
    refuses("binary data",
            "\x7f"
            "ELF\x02\x01\x01\x00\x00\x00",
            10, "NUL");
    refuses("a NUL in the middle (lilv style)", "ab\0cd", 6, "NUL");
    refuses("a NUL in the middle (Carla style)", "ab\0cd", 5, "NUL");
    memset(longest, 'p', CAP);
    refuses("CAP bytes", longest, CAP, "longer");
    size_t big = (size_t)1 << 20;
    char *huge = malloc(big);
    memset(huge, 'p', big);
    refuses("a megabyte", huge, big, "longer");
    free(huge);
    return check_exit();
}
