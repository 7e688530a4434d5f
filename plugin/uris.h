/*
 * uris.h - the URIs the plugin speaks, mapped to integers (URIDs) once in instantiate(), and
 * the two patch messages it writes.
 *
 * LV2 hosts and plugins exchange structured data as atoms: small typed blobs whose types and
 * keys are URIs. Comparing strings in the audio thread would be slow, so each URI is mapped to
 * an integer by the host's urid:map feature, up front.
 */
#ifndef RNNFX_PLUGIN_URIS_H
#define RNNFX_PLUGIN_URIS_H

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>
#include <lv2/urid/urid.h>

#include <stdint.h>

#define RNNFX_URI "urn:rnnfx"
#define RNNFX_MONO_URI RNNFX_URI ":mono"
#define RNNFX_STEREO_URI RNNFX_URI ":stereo"
/* The model file: an LV2 parameter (patch:writable, range atom:Path), so hosts show a file
 * picker and save it with the session. */
#define RNNFX_MODEL_URI RNNFX_URI ":model"
/* What the plugin is doing, in words (patch:readable, range atom:String): the loaded model,
 * the last error, or that it passes audio through. */
#define RNNFX_STATUS_URI RNNFX_URI ":status"

typedef struct {
    LV2_URID atom_Path;
    LV2_URID atom_String;
    LV2_URID atom_URID;
    LV2_URID patch_Get;
    LV2_URID patch_Set;
    LV2_URID patch_property;
    LV2_URID patch_value;
    LV2_URID rnnfx_model;
    LV2_URID rnnfx_status;
} Uris;

static inline void uris_map(Uris *u, LV2_URID_Map *map)
{
    u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
    u->atom_String = map->map(map->handle, LV2_ATOM__String);
    u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
    u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
    u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
    u->patch_property = map->map(map->handle, LV2_PATCH__property);
    u->patch_value = map->map(map->handle, LV2_PATCH__value);
    u->rnnfx_model = map->map(map->handle, RNNFX_MODEL_URI);
    u->rnnfx_status = map->map(map->handle, RNNFX_STATUS_URI);
}

/* Writes  [] a patch:Set ; patch:property <key> ; patch:value "text"^^<type> . */
static inline void uris_write_set(LV2_Atom_Forge *forge, const Uris *u, LV2_URID key, LV2_URID type, const char *text,
                                  uint32_t len)
{
    LV2_Atom_Forge_Frame frame;
    if (!lv2_atom_forge_frame_time(forge, 0)) return;
    if (!lv2_atom_forge_object(forge, &frame, 0, u->patch_Set)) return;
    lv2_atom_forge_key(forge, u->patch_property);
    lv2_atom_forge_urid(forge, key);
    lv2_atom_forge_key(forge, u->patch_value);
    lv2_atom_forge_typed_string(forge, type, text, len);
    lv2_atom_forge_pop(forge, &frame);
}

/* If `obj` is  patch:Set <key> = "path"^^atom:Path (or a plain string), returns the path (not terminated; *len its
 * length without any trailing NUL), else NULL. */
static inline const char *uris_read_set_path(const Uris *u, const LV2_Atom_Object *obj, LV2_URID key, uint32_t *len)
{
    const LV2_Atom *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
    if (!property || property->type != u->atom_URID || ((const LV2_Atom_URID *)property)->body != key) return NULL;
    if (!value || (value->type != u->atom_Path && value->type != u->atom_String)) return NULL;
    const char *s = (const char *)LV2_ATOM_BODY_CONST(value);
    uint32_t n = value->size;
    while (n && s[n - 1] == '\0') n--;
    *len = n;
    return s;
}

#endif
