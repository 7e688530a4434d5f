/* skip.c - a test that only says why it cannot run (exit 77: meson reports SKIP). */
#include "check.h"

int main(int argc, char **argv)
{
    check_skip(argc > 1 ? argv[1] : "missing dependency");
    return 77;
}
