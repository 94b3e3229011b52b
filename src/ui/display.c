/* The SDL2 display front end. Until a display device exists the window
 * shows a blank (black) screen and its title says so; it still handles
 * events so the window can be moved, exposed and closed. */
#include "ui/display.h"

#include <SDL.h>
#include <stdlib.h>
#include <string.h>

struct Display {
    SDL_Window *window;
    SDL_Renderer *renderer;
};

Display *display_open_sdl(const char *title, Error *err)
{
    const char *forced = getenv("SDL_VIDEODRIVER");
#if defined(__linux__)
    /* Without a display server SDL would fall back to its invisible
     * "offscreen" driver (after a noisy Wayland complaint): say so instead. */
    if (!forced && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY")) {
        error_setf(err, "-display sdl: no graphical display (DISPLAY and WAYLAND_DISPLAY are unset); use -display none");
        return NULL;
    }
    /* With only X11 available, keep SDL from probing Wayland first. */
    if (!forced && !getenv("WAYLAND_DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
#endif
    /* jitpc handles SIGINT/SIGTERM itself (clean shutdown). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        error_setf(err, "-display sdl: cannot open a window: %s", SDL_GetError());
        return NULL;
    }
    const char *driver = SDL_GetCurrentVideoDriver();
    if (!forced && driver && (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy"))) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        error_setf(err, "-display sdl: no usable video device (SDL chose '%s'); use -display none", driver);
        return NULL;
    }
    Display *d = calloc(1, sizeof(*d));
    if (!d)
        abort();
    d->window = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640, 480, 0);
    if (!d->window) {
        error_setf(err, "-display sdl: cannot create a window: %s", SDL_GetError());
        display_close(d);
        return NULL;
    }
    d->renderer = SDL_CreateRenderer(d->window, -1, SDL_RENDERER_SOFTWARE);
    if (!d->renderer) {
        error_setf(err, "-display sdl: cannot create a renderer: %s", SDL_GetError());
        display_close(d);
        return NULL;
    }
    SDL_SetRenderDrawColor(d->renderer, 0, 0, 0, 255);
    SDL_RenderClear(d->renderer);
    SDL_RenderPresent(d->renderer);
    return d;
}

bool display_poll(Display *d)
{
    SDL_Event ev;
    bool open = true;
    while (SDL_PollEvent(&ev)) {
        if (ev.type == SDL_QUIT)
            open = false;
        else if (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_EXPOSED) {
            SDL_RenderClear(d->renderer);
            SDL_RenderPresent(d->renderer);
        }
    }
    return open;
}

void display_close(Display *d)
{
    if (!d)
        return;
    if (d->renderer)
        SDL_DestroyRenderer(d->renderer);
    if (d->window)
        SDL_DestroyWindow(d->window);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(d);
}
