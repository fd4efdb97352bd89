# Models of this app arrive with their issues; the app exists so the layout holds from the start.
